// Package backup runs backup jobs: it streams a job's sources into one encrypted snapshot
// (internal/backup/snapshot), writes it to every target of the job at once
// (internal/backup/target), seals and signs its manifest, applies each target's retention
// policy (internal/backup/retention), and proves snapshots restore with drills.
//
// On a target, a snapshot of job J for instance I is three objects under "J/I/":
//
//	<id>.tar.zst.age      the data: tar, zstd, age (or .gpg for OpenPGP recipients)
//	<id>.manifest.sig     the detached ed25519 signature of the sealed manifest
//	<id>.manifest.age     the sealed manifest, written last
//
// where <id> is the UTC start time and a random suffix, "20261123T020000Z-3f9a1c". A
// snapshot exists once its manifest does: a run killed at any point leaves at most an object
// or a signature without a manifest, which nothing lists and the next run on that target
// removes. Because ids sort by time, listing and retention need no key: they read names.
package backup
