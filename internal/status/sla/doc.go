// Package sla does the exact service-level maths behind status pages: component timelines built
// from state changes, calendar-month SLA reports with maintenance excluded, the 90-day uptime bars,
// and SLO burn-rate alerts (the multi-window, multi-burn-rate rules of the Google SRE workbook).
//
// Every function is pure: it takes times, spans and windows and returns values, so the same code
// serves the status page, the API, the weekly report and the tests, with no clock or store behind
// it. Durations are time.Duration, never floating minutes, and targets and weights are read as the
// decimals people write (0.999 is 999/1000), so a 30-day month at 99.9% has a budget of exactly
// 43m12s and real elapsed time is used across daylight-saving changes.
package sla
