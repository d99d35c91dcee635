package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/app"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
)

func newMaintenanceCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "maintenance",
		Short: "Announce, list, update and cancel maintenance windows",
		Long: `A maintenance window is announced on a status page for some of its components, once or
recurring. Alerts on the monitors behind them are held during the window, the time is left out
of SLA figures, and the page's subscribers are told when it is scheduled, ahead of each window,
at its start and end, and when it is updated or cancelled (by the running server, within
seconds of the change).`,
	}
	cmd.AddCommand(newMaintenanceScheduleCmd(env, f), newMaintenanceListCmd(env, f), newMaintenanceUpdateCmd(env, f),
		newMaintenanceCancelCmd(env, f))
	return cmd
}

// withPages is the body of a command that needs the store and the configured status pages.
func withPages(env Env, f *rootFlags, fn func(ctx context.Context, st *store.Store, pages []*status.Page, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		st, cfg, err := openStore(cmd.Context(), env, f.configPath, true)
		if err != nil {
			return err
		}
		defer st.Close()
		pages, err := app.StatusPages(cfg)
		if err != nil {
			return err
		}
		return fn(cmd.Context(), st, pages, args)
	})
}

func findPage(pages []*status.Page, slug string) (*status.Page, error) {
	var slugs []string
	for _, p := range pages {
		if p.Slug == slug {
			return p, nil
		}
		slugs = append(slugs, p.Slug)
	}
	if len(slugs) == 0 {
		return nil, usage("--page %q: the configuration has no status page", slug)
	}
	return nil, usage("--page %q: no such status page (there are %s)", slug, strings.Join(slugs, ", "))
}

// startLayouts are the ways --start may be written; without an offset it is the page's time.
var startLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"}

func parseStart(text string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, nil
	}
	for _, layout := range startLayouts {
		if t, err := time.ParseInLocation(layout, text, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usage("--start: want a time like \"2026-11-29 02:00\" (in the page's zone, %s) or RFC 3339, got %q", loc, text)
}

func newMaintenanceScheduleCmd(env Env, f *rootFlags) *cobra.Command {
	var pageSlug, title, body, startText, recurrence string
	var components []string
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "schedule --page SLUG --component ID... --title TEXT --start TIME --duration 2h",
		Short: "Announce a maintenance window",
		Example: `  vigie maintenance schedule --page acme --component database --title "PostgreSQL 17 upgrade" \
      --start "2026-11-29 02:00" --duration 90m --body "Writes pause for about ten minutes."
  vigie maintenance schedule --page acme --component database --title "Weekly patching" \
      --start "2026-11-29 02:00" --duration 1h --recurrence "FREQ=WEEKLY;BYDAY=SU"`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch {
			case pageSlug == "":
				return usage("--page is required: the slug of the status page")
			case len(components) == 0:
				return usage("--component is required: the ids of the components affected (repeat it, or separate with commas)")
			case strings.TrimSpace(title) == "":
				return usage("--title is required: say what the work is")
			case startText == "":
				return usage("--start is required")
			case duration <= 0 || duration > status.MaxMaintenanceLength:
				return usage("--duration: want a positive duration up to 7 days (168h), got %s", duration)
			}
			return nil
		},
		RunE: withPages(env, f, func(ctx context.Context, st *store.Store, pages []*status.Page, _ []string) error {
			p, err := findPage(pages, pageSlug)
			if err != nil {
				return err
			}
			start, err := parseStart(startText, p.Location)
			if err != nil {
				return err
			}
			m, err := p.NewMaintenance(status.MaintenanceRequest{Components: components, Title: title, Body: body, StartsAt: start,
				EndsAt: start.Add(duration), Recurrence: recurrence, CreatedBy: cliAuthor(env)}, time.Now())
			if errs.Is(err, errs.Invalid) {
				return usage("%s", errs.MessageOf(err))
			} else if err != nil {
				return err
			}
			if err := st.CreateMaintenance(ctx, m); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "maintenance %d on %s: %s\n", m.ID, p.Slug, describeWindow(m, p))
			return err
		}),
	}
	cmd.Flags().StringVar(&pageSlug, "page", "", "status page slug (required)")
	cmd.Flags().StringSliceVar(&components, "component", nil, "component id affected (required; repeat, or separate with commas)")
	cmd.Flags().StringVar(&title, "title", "", "what the work is (required)")
	cmd.Flags().StringVar(&body, "body", "", "what customers should know")
	cmd.Flags().StringVar(&startText, "start", "", `start, "2026-11-29 02:00" in the page's zone or RFC 3339 (required)`)
	cmd.Flags().DurationVar(&duration, "duration", 0, "how long each window lasts, e.g. 90m (required)")
	cmd.Flags().StringVar(&recurrence, "recurrence", "", "repeat by an RRULE (FREQ=WEEKLY;BYDAY=SU) or a cron expression")
	return cmd
}

// describeWindow says when a maintenance happens next (or did), in its page's zone.
func describeWindow(m *status.Maintenance, p *status.Page) string {
	w, state := m.Current(time.Now(), p.Location)
	out := strings.ReplaceAll(state, "_", " ") + ", " + human.Window(w.From, w.To, p.Location)
	if r := m.Repeats(p.Location); r != "" {
		out += ", repeats " + r
	}
	return out
}

func newMaintenanceListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List maintenances scheduled or under way (--all: also completed and cancelled)",
		Args:  cobra.NoArgs,
		RunE: withPages(env, f, func(ctx context.Context, st *store.Store, pages []*status.Page, _ []string) error {
			ms, err := st.Maintenances(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			type row struct {
				m     *status.Maintenance
				p     *status.Page
				state string
				w     sla.Window
			}
			var rows []row
			for i := range ms {
				m := &ms[i]
				p := &status.Page{Slug: m.Page, Title: m.Page, Location: time.UTC}
				if found, err := findPage(pages, m.Page); err == nil {
					p = found
				}
				w, state := m.Current(now, p.Location)
				if all || state == status.MaintenanceScheduled || state == status.MaintenanceInProgress {
					rows = append(rows, row{m, p, state, w})
				}
			}
			if asJSON {
				out := []map[string]any{}
				for _, r := range rows {
					updates := []map[string]any{}
					for _, u := range r.m.Updates {
						updates = append(updates, map[string]any{"at": rfc3339(u.At), "body": u.Body, "author": u.Author})
					}
					out = append(out, map[string]any{"id": r.m.ID, "page": r.m.Page, "components": r.m.Components, "title": r.m.Title,
						"body": r.m.Body, "state": r.state, "starts_at": rfc3339(r.m.StartsAt), "ends_at": rfc3339(r.m.EndsAt),
						"recurrence": r.m.Recurrence, "repeats": r.m.Repeats(r.p.Location), "window": map[string]string{"from": rfc3339(r.w.From), "to": rfc3339(r.w.To)},
						"timezone": r.p.Location.String(), "cancelled_at": rfc3339(r.m.CancelledAt), "created_by": r.m.CreatedBy,
						"created_at": rfc3339(r.m.CreatedAt), "updates": updates})
				}
				return printJSON(env.Stdout, out)
			}
			if len(rows) == 0 {
				_, err := fmt.Fprintln(env.Stdout, "No maintenance scheduled or under way.")
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPAGE\tSTATE\tWINDOW\tTITLE\tAFFECTS\tREPEATS")
			for _, r := range rows {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.m.ID, r.m.Page, strings.ReplaceAll(r.state, "_", " "),
					human.Window(r.w.From, r.w.To, r.p.Location), r.m.Title, strings.Join(r.m.Components, ","), r.m.Repeats(r.p.Location))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "also list completed and cancelled maintenances")
	return cmd
}

func maintenanceID(args []string) (int64, error) {
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usage("%q is not a maintenance id (a positive number from the list)", args[0])
	}
	return id, nil
}

func newMaintenanceUpdateCmd(env Env, f *rootFlags) *cobra.Command {
	var body string
	cmd := &cobra.Command{
		Use:     "update ID --body TEXT",
		Short:   "Post an update on a maintenance: shown on the page and sent to subscribers",
		Example: `  vigie maintenance update 3 --body "Half way there: the copy is done."`,
		Args:    cobra.ExactArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) error {
			if _, err := maintenanceID(args); err != nil {
				return err
			}
			if strings.TrimSpace(body) == "" {
				return usage("--body is required: write the update")
			}
			return nil
		},
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, args []string) error {
			id, _ := maintenanceID(args)
			if _, err := st.MaintenanceByID(ctx, id); err != nil {
				return err
			}
			if err := st.AddMaintenanceUpdate(ctx, id, status.MaintenanceUpdate{At: time.Now(), Body: strings.TrimSpace(body), Author: cliAuthor(env)}); err != nil {
				return err
			}
			_, err := fmt.Fprintf(env.Stdout, "maintenance %d: update posted\n", id)
			return err
		}),
	}
	cmd.Flags().StringVar(&body, "body", "", "the update (required)")
	return cmd
}

func newMaintenanceCancelCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel what is left of a maintenance: one under way ends now",
		Args:  cobra.ExactArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) error {
			_, err := maintenanceID(args)
			return err
		},
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, args []string) error {
			id, _ := maintenanceID(args)
			m, err := st.MaintenanceByID(ctx, id)
			if err != nil {
				return err
			}
			if !m.CancelledAt.IsZero() {
				return fmt.Errorf("maintenance %d was cancelled at %s", id, rfc3339(m.CancelledAt))
			}
			if err := st.CancelMaintenance(ctx, id, time.Now()); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "maintenance %d cancelled\n", id)
			return err
		}),
	}
}
