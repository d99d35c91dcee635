// Package report builds what vigie reports on a status page over a period: the calendar-month
// SLA report (uptime per component and for the page against the target, the error budget, what
// was used and what is left, the breach, and the downtime episodes behind each figure) and the
// weekly report (uptime, incidents, response-time trends, alerts, top offenders), with their
// exports: JSON, CSV, a printable HTML document, and e-mail.
//
// Figures come from the status service's component records and the exact maths of package
// sla; this package only chooses periods, assembles and renders. It has no clock: callers pass
// the time the report is made at, so a report is a pure function of the store and that time.
package report
