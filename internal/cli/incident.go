package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/app"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/incident"
	"vigie/internal/markdown"
	"vigie/internal/status/sla"
)

func newIncidentCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Open, update, resolve and list incidents; write their post-mortems",
		Long: `An incident is the logbook of one problem: what is going on, how it was understood, what
was done, the impacts, how to avoid it next time; its public updates on the status page and its
internal notes; its timeline, from which the time to detect, acknowledge and resolve is measured;
and its post-mortem. Routes open incidents from alerts (routes[].incident); these commands work
on the same store as the server.`,
	}
	cmd.AddCommand(newIncidentOpenCmd(env, f), newIncidentUpdateCmd(env, f), newIncidentResolveCmd(env, f),
		newIncidentListCmd(env, f), newIncidentPostmortemCmd(env, f))
	return cmd
}

// withIncidents is the body of an incident command: fn gets the logbook on the configured
// store. Domain refusals of what was typed are usage errors (exit 2), like bad flags.
func withIncidents(env Env, f *rootFlags, fn func(ctx context.Context, svc *incident.Service, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		st, cfg, err := openStore(cmd.Context(), env, f.configPath, true)
		if err != nil {
			return err
		}
		defer st.Close()
		svc, err := app.OfflineIncidents(st, cfg, app.NewLogger(env.Stderr, cfg.Log.Format, quiet()))
		if err != nil {
			return err
		}
		if err := fn(cmd.Context(), svc, args); err != nil {
			if errs.Is(err, errs.Invalid) {
				return usage("%s", errs.MessageOf(err))
			}
			return err
		}
		return nil
	})
}

// checkIDs checks ID arguments before anything is opened.
func checkIDs(_ *cobra.Command, args []string) error {
	_, err := parseIDs(args)
	return err
}

// incidentFlags are the fields open and update share.
type incidentFlags struct {
	title, severity, page, lead, comms, message, next, eta, started string
	components, remind                                              []string
	logbook                                                         [5]string
}

var logbookFlags = [5]struct{ name, usage string }{
	{"what-is-going-on", "logbook: what is going on"},
	{"how-understood", "logbook: how it was understood"},
	{"what-was-done", "logbook: what was done"},
	{"impacts", "logbook: what the impacts are"},
	{"how-to-avoid", "logbook: how to avoid it next time"},
}

func (fl *incidentFlags) register(cmd *cobra.Command, forUpdate bool) {
	fs := cmd.Flags()
	fs.StringVar(&fl.title, "title", "", "what is wrong, in a few words (public when the incident is on a page)")
	fs.StringVar(&fl.severity, "severity", "", "SEV1 (the worst) to SEV4")
	fs.StringVar(&fl.lead, "lead", "", "who leads the response (a receiver's name gets the reminders)")
	fs.StringVar(&fl.comms, "comms", "", "who writes to customers")
	fs.StringArrayVar(&fl.components, "component", nil, "an affected component and its state, e.g. api=major_outage (repeat; replaces the list)")
	fs.StringArrayVar(&fl.remind, "remind", nil, "a receiver or on-call schedule reminded of overdue updates (repeat)")
	fs.StringVar(&fl.next, "next-update", "", "when the next public update is promised: a delay like 30m, or an RFC 3339 time"+map[bool]string{true: "; none to clear"}[forUpdate])
	fs.StringVar(&fl.eta, "eta", "", "the estimated resolution: a delay like 2h, or an RFC 3339 time"+map[bool]string{true: "; none to clear"}[forUpdate])
	fs.StringVar(&fl.message, "message", "", "a public update (shown on the status page)")
	for i, lf := range logbookFlags {
		fs.StringVar(&fl.logbook[i], lf.name, "", lf.usage+" (Markdown)")
	}
	if !forUpdate {
		fs.StringVar(&fl.page, "page", "", "the status page it shows on (none keeps it internal)")
		fs.StringVar(&fl.started, "started", "", "when the impact began, RFC 3339 (default now)")
	}
}

// when reads a promised time: a delay from now or an RFC 3339 time; "none" is the zero
// time when allowed.
func when(flag, v string, now time.Time, noneOK bool) (*time.Time, error) {
	switch {
	case v == "":
		return nil, nil
	case v == "none" && noneOK:
		return &time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		t := now.Add(d)
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, usage("--%s: want a delay like 30m or an RFC 3339 time like 2026-11-24T15:00:00+01:00, got %q", flag, v)
	}
	return &t, nil
}

// affected reads --component id=state flags.
func affected(list []string) ([]incident.Affected, error) {
	var out []incident.Affected
	for _, c := range list {
		id, level, ok := strings.Cut(c, "=")
		if !ok || id == "" {
			return nil, usage("--component: want id=state like api=major_outage, got %q", c)
		}
		l, err := sla.ParseLevel(level)
		if err != nil {
			return nil, usage("--component %s: %s", id, errs.MessageOf(err))
		}
		out = append(out, incident.Affected{Component: id, Level: l})
	}
	return out, nil
}

func newIncidentOpenCmd(env Env, f *rootFlags) *cobra.Command {
	var fl incidentFlags
	cmd := &cobra.Command{
		Use:   "open --title TITLE --severity SEV [flags]",
		Short: "Open an incident (whoever opens it has acknowledged it)",
		Example: `  vigie incident open --title "API errors" --severity SEV2 --page acme --component api=major_outage \
    --lead alice --message "Some API calls fail; we are investigating." --next-update 30m`,
		Args: cobra.NoArgs,
		RunE: withIncidents(env, f, func(ctx context.Context, svc *incident.Service, _ []string) error {
			now := time.Now()
			sev, err := incident.ParseSeverity(fl.severity)
			if err != nil {
				return err
			}
			comps, err := affected(fl.components)
			if err != nil {
				return err
			}
			d := incident.Draft{Title: fl.title, Severity: sev, Page: fl.page, Components: comps, Lead: fl.lead, Comms: fl.comms,
				Remind: fl.remind, Message: fl.message, By: cliAuthor(env),
				Logbook: incident.Logbook{WhatIsGoingOn: fl.logbook[0], HowUnderstood: fl.logbook[1], WhatWasDone: fl.logbook[2],
					Impacts: fl.logbook[3], HowToAvoid: fl.logbook[4]}}
			for _, t := range []struct {
				flag, v string
				dst     *time.Time
			}{{"next-update", fl.next, &d.NextUpdateAt}, {"eta", fl.eta, &d.ETA}} {
				if at, err := when(t.flag, t.v, now, false); err != nil {
					return err
				} else if at != nil {
					*t.dst = *at
				}
			}
			if fl.started != "" {
				if d.StartedAt, err = time.Parse(time.RFC3339, fl.started); err != nil {
					return usage("--started: want an RFC 3339 time, got %q", fl.started)
				}
			}
			inc, err := svc.Open(ctx, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "incident %d opened: %s (%s)\n", inc.ID, inc.Title, inc.Severity)
			if u := svc.PublicURL(inc); u != "" {
				fmt.Fprintf(env.Stdout, "public: %s\n", u)
			}
			return nil
		}),
	}
	fl.register(cmd, false)
	return cmd
}

func newIncidentUpdateCmd(env Env, f *rootFlags) *cobra.Command {
	var fl incidentFlags
	var status, note string
	var ack bool
	cmd := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Post a public update or an internal note, change the status or any field",
		Example: `  vigie incident update 4 --status identified --message "A full disk; cleaning up." --next-update 30m --eta 1h
  vigie incident update 4 --note "df -h shows /var at 100%"
  vigie incident update 4 --how-understood "Logs were never rotated." --severity SEV1`,
		Args:    cobra.ExactArgs(1),
		PreRunE: checkIDs,
		RunE: withIncidents(env, f, func(ctx context.Context, svc *incident.Service, args []string) error {
			ids, _ := parseIDs(args)
			id, now, by := ids[0], time.Now(), cliAuthor(env)
			next, err := when("next-update", fl.next, now, true)
			if err != nil {
				return err
			}
			eta, err := when("eta", fl.eta, now, true)
			if err != nil {
				return err
			}
			comps, err := affected(fl.components)
			if err != nil {
				return err
			}
			var st incident.Status
			if status != "" {
				if st, err = incident.ParseStatus(status); err != nil {
					return err
				}
			}
			str := func(v string) *string {
				if v == "" {
					return nil
				}
				return &v
			}
			c := incident.Changes{Title: str(fl.title), Lead: str(fl.lead), Comms: str(fl.comms), ETA: eta, By: by,
				Logbook: incident.LogbookChanges{WhatIsGoingOn: str(fl.logbook[0]), HowUnderstood: str(fl.logbook[1]),
					WhatWasDone: str(fl.logbook[2]), Impacts: str(fl.logbook[3]), HowToAvoid: str(fl.logbook[4])}}
			if fl.severity != "" {
				sev, err := incident.ParseSeverity(fl.severity)
				if err != nil {
					return err
				}
				c.Severity = &sev
			}
			if fl.remind != nil {
				c.Remind = &fl.remind
			}
			if comps != nil {
				c.Components = &comps
			}
			said := []string{}
			// A public update carries the status, the promise and the components with it;
			// without one they are plain edits.
			if fl.message != "" {
				c.ETA, c.Components = nil, nil
				if _, err := svc.Edit(ctx, id, c); err != nil {
					return err
				}
				u := incident.Update{Body: fl.message, Status: st, ETA: eta, NextUpdateAt: next, By: by}
				if comps != nil {
					u.Components = &comps
				}
				if _, err := svc.PostUpdate(ctx, id, u); err != nil {
					return err
				}
				said = append(said, "public update posted")
			} else {
				if st != "" {
					c.Status = &st
				}
				c.NextUpdateAt = next
				inc, err := svc.Get(ctx, id)
				if err != nil {
					return err
				}
				before := inc.Version
				if inc, err = svc.Edit(ctx, id, c); err != nil {
					return err
				}
				if inc.Version != before {
					said = append(said, "changed")
				}
			}
			if note != "" {
				if _, err := svc.AddNote(ctx, id, note, by); err != nil {
					return err
				}
				said = append(said, "note added")
			}
			if ack {
				if _, err := svc.Acknowledge(ctx, id, by); err != nil {
					return err
				}
				said = append(said, "acknowledged")
			}
			if len(said) == 0 {
				said = append(said, "nothing to change")
			}
			_, err = fmt.Fprintf(env.Stdout, "incident %d: %s\n", id, strings.Join(said, ", "))
			return err
		}),
	}
	fl.register(cmd, true)
	cmd.Flags().StringVar(&status, "status", "", "investigating, identified, monitoring or resolved")
	cmd.Flags().StringVar(&note, "note", "", "an internal note (never public)")
	cmd.Flags().BoolVar(&ack, "ack", false, "acknowledge: you are on it")
	return cmd
}

func newIncidentResolveCmd(env Env, f *rootFlags) *cobra.Command {
	var message string
	cmd := &cobra.Command{
		Use:     "resolve ID [--message TEXT]",
		Short:   "Resolve an incident, with a last public update",
		Example: `  vigie incident resolve 4 --message "Everything works again. A post-mortem follows."`,
		Args:    cobra.ExactArgs(1),
		PreRunE: checkIDs,
		RunE: withIncidents(env, f, func(ctx context.Context, svc *incident.Service, args []string) error {
			ids, _ := parseIDs(args)
			inc, err := svc.Resolve(ctx, ids[0], message, cliAuthor(env))
			if err != nil {
				return err
			}
			d, _ := inc.TimeToResolve()
			_, err = fmt.Fprintf(env.Stdout, "incident %d resolved after %s; write the post-mortem: vigie incident postmortem %d\n",
				inc.ID, human.Duration(d), inc.ID)
			return err
		}),
	}
	cmd.Flags().StringVar(&message, "message", "", "a last public update")
	return cmd
}

func newIncidentListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List open incidents (--all: also those resolved in the last 90 days)",
		Args:  cobra.NoArgs,
		RunE: withIncidents(env, f, func(ctx context.Context, svc *incident.Service, _ []string) error {
			now := time.Now()
			filter := incident.Filter{State: "open", Limit: 500}
			if all {
				filter = incident.Filter{Since: now.AddDate(0, 0, -90), Limit: 500}
			}
			list, err := svc.List(ctx, filter)
			if err != nil {
				return err
			}
			if asJSON {
				out := []map[string]any{}
				for i := range list {
					out = append(out, incidentJSON(&list[i]))
				}
				return printJSON(env.Stdout, out)
			}
			if len(list) == 0 {
				_, err := fmt.Fprintln(env.Stdout, "No open incident.")
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEV\tSTATUS\tTITLE\tPAGE\tSTARTED\tFOR\tNEXT UPDATE")
			for _, inc := range list {
				end := now
				if !inc.ResolvedAt.IsZero() {
					end = inc.ResolvedAt
				}
				next := "–"
				switch {
				case inc.Overdue(now):
					next = "overdue since " + rfc3339(inc.NextUpdateAt)
				case !inc.NextUpdateAt.IsZero():
					next = rfc3339(inc.NextUpdateAt)
				}
				page := inc.Page
				if page == "" {
					page = "–"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, inc.Severity, inc.Status, inc.Title, page,
					rfc3339(inc.StartedAt), human.Duration(end.Sub(inc.StartedAt)), next)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "also list incidents resolved in the last 90 days")
	return cmd
}

// incidentJSON is what `incident list --json` prints of one incident.
func incidentJSON(inc *incident.Incident) map[string]any {
	comps := map[string]string{}
	for _, a := range inc.Components {
		comps[a.Component] = a.Level.String()
	}
	seconds := func(d time.Duration, ok bool) any {
		if !ok {
			return nil
		}
		return d.Seconds()
	}
	pm := "none"
	if inc.Postmortem != nil {
		pm = "draft"
		if inc.Postmortem.Published() {
			pm = "published"
		}
	}
	return map[string]any{"id": inc.ID, "title": inc.Title, "severity": inc.Severity, "status": inc.Status, "page": inc.Page,
		"components": comps, "lead": inc.Lead, "comms": inc.Comms, "started_at": rfc3339(inc.StartedAt), "detected_at": rfc3339(inc.DetectedAt),
		"acknowledged_at": rfc3339(inc.AcknowledgedAt), "mitigated_at": rfc3339(inc.MitigatedAt), "resolved_at": rfc3339(inc.ResolvedAt),
		"eta": rfc3339(inc.ETA), "next_update_at": rfc3339(inc.NextUpdateAt), "updates": len(inc.Updates()), "notes": len(inc.Notes()),
		"time_to_detect_seconds": seconds(inc.TimeToDetect()), "time_to_acknowledge_seconds": seconds(inc.TimeToAcknowledge()),
		"time_to_mitigate_seconds": seconds(inc.TimeToMitigate()), "time_to_resolve_seconds": seconds(inc.TimeToResolve()),
		"postmortem": pm}
}

func newIncidentPostmortemCmd(env Env, f *rootFlags) *cobra.Command {
	var asHTML, publish bool
	var edit string
	cmd := &cobra.Command{
		Use:   "postmortem ID [--html] [--edit FILE] [--publish]",
		Short: "Print an incident's post-mortem, save an edited draft, publish it",
		Long: `Without flags, prints the post-mortem as Markdown: the saved draft, or one written from the
incident's record (logbook, public updates, milestones, SLA minutes, action items; never internal
notes, roles or owners). --edit FILE saves FILE (- for stdin) as the draft; --publish puts the
draft on the status page (the incident must be resolved).`,
		Example: `  vigie incident postmortem 4 > pm.md && $EDITOR pm.md && vigie incident postmortem 4 --edit pm.md --publish`,
		Args:    cobra.ExactArgs(1),
		PreRunE: checkIDs,
		RunE: withIncidents(env, f, func(ctx context.Context, svc *incident.Service, args []string) error {
			ids, _ := parseIDs(args)
			id, by := ids[0], cliAuthor(env)
			if edit != "" {
				text, err := readInput(env, edit)
				if err != nil {
					return err
				}
				if _, err := svc.SavePostmortem(ctx, id, text, by); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "incident %d: post-mortem draft saved\n", id)
			}
			if publish {
				inc, err := svc.PublishPostmortem(ctx, id, by)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "incident %d: post-mortem published at %s\n", id, svc.PublicURL(inc))
			}
			if edit != "" || publish {
				return nil
			}
			_, pm, _, err := svc.Postmortem(ctx, id)
			if err != nil {
				return err
			}
			if asHTML {
				_, err = fmt.Fprint(env.Stdout, markdown.Render(pm.Markdown, markdown.Options{}))
				return err
			}
			_, err = fmt.Fprint(env.Stdout, pm.Markdown)
			return err
		}),
	}
	cmd.Flags().BoolVar(&asHTML, "html", false, "print HTML instead of Markdown")
	cmd.Flags().StringVar(&edit, "edit", "", "save this file (- for stdin) as the draft")
	cmd.Flags().BoolVar(&publish, "publish", false, "publish the draft on the status page")
	return cmd
}

// readInput reads a file, or stdin for "-".
func readInput(env Env, path string) (string, error) {
	if path == "-" {
		b, err := io.ReadAll(env.Stdin)
		return string(b), err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usage("--edit: %v", err)
	}
	return string(b), nil
}
