// Package archtest holds tests that keep the code base's shape: domain packages stay free of
// HTTP and SQL, and every package says what it is for.
package archtest
