package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UserAgent identifies vigie to receivers.
const UserAgent = "vigie-notify"

// PostJSON sends body as JSON to url and classifies the answer the way Notifier promises:
// 2xx is success, 429 and 503 with Retry-After give a *RetryAfterError, other 5xx a plain
// (retryable) error, other 4xx a *PermanentError. The receiver's answer, trimmed, is part
// of the error so people can see why it refused.
func PostJSON(ctx context.Context, client *http.Client, url string, header http.Header, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return &PermanentError{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return &PermanentError{Err: err}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	return Do(client, req)
}

// Do sends req and classifies the answer like PostJSON.
func Do(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		// A transport failure is worth retrying. Its text quotes the URL, and webhook URLs
		// carry credentials in their path or query: keep only scheme and host.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = req.URL.Scheme + "://" + req.URL.Host
		}
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("%s answered %d %s", req.URL.Host, resp.StatusCode, strings.TrimSpace(string(snippet)))
	if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok &&
		(resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		return &RetryAfterError{After: after, Err: err}
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		return err
	}
	return &PermanentError{Err: err}
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// CheckURL validates a receiver's URL option: present, and an absolute http or https URL.
// Errors name the provider and the configuration key, never the URL (it may be a credential).
func CheckURL(provider, key, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s: %s is required", provider, key)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %s must be an http or https URL", provider, key)
	}
	return nil
}

// ClientOrDefault is the HTTP client a provider uses: the one given, or one with a 10 s
// timeout (the outbox also bounds each attempt).
func ClientOrDefault(c *http.Client) *http.Client {
	if c == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return c
}
