package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/alert"
	"vigie/internal/app"
	"vigie/internal/store"
)

// withStore is the body of a command that works on runtime state (alerts, silences): fn
// gets the configured store, migrated, closed when fn returns. The server sees the change
// at its next round: both work on the store, not on each other.
func withStore(env Env, f *rootFlags, fn func(ctx context.Context, st *store.Store, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		st, _, err := openStore(cmd.Context(), env, f.configPath, true)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd.Context(), st, args)
	})
}

// cliAuthor names who acted from the command line in alerts and silences.
func cliAuthor(env Env) string {
	if u, ok := env.LookupEnv("USER"); ok && u != "" {
		return "cli:" + u
	}
	return "cli"
}

func newAlertCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert",
		Short: "List and acknowledge alerts",
		Long: `An alert is one outage of one monitor (or one certificate nearing expiry). Acknowledging
stops its reminders and escalation; it still resolves by itself when the monitor recovers.`,
	}
	cmd.AddCommand(newAlertListCmd(env, f), newAlertAckCmd(env, f))
	return cmd
}

func newAlertListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List open alerts (--all: also those resolved in the last 7 days)",
		Args:  cobra.NoArgs,
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, _ []string) error {
			now := time.Now()
			as, err := st.RecentAlerts(ctx, now.Add(-7*24*time.Hour), 500)
			if err != nil {
				return err
			}
			shown := as[:0]
			for _, a := range as {
				if all || a.Firing() {
					shown = append(shown, a)
				}
			}
			if asJSON {
				out := []map[string]any{}
				for _, a := range shown {
					out = append(out, map[string]any{"id": a.ID, "monitor": a.Monitor, "kind": a.Kind, "reason": a.Reason,
						"labels": a.Labels, "started_at": rfc3339(a.StartedAt), "resolved_at": rfc3339(a.ResolvedAt),
						"acked_at": rfc3339(a.AckedAt), "acked_by": a.AckedBy})
				}
				return printJSON(env.Stdout, out)
			}
			if len(shown) == 0 {
				_, err := fmt.Fprintln(env.Stdout, "No open alert.")
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMONITOR\tKIND\tSTARTED\tFOR\tACKNOWLEDGED\tREASON")
			for _, a := range shown {
				end, acked := now, "no"
				if !a.Firing() {
					end = a.ResolvedAt
				}
				if !a.AckedAt.IsZero() {
					acked = a.AckedBy
				}
				kind := a.Kind
				if !a.Firing() {
					kind += " (resolved)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Monitor, kind, rfc3339(a.StartedAt),
					end.Sub(a.StartedAt).Truncate(time.Second), acked, a.Reason)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "also list alerts resolved in the last 7 days")
	return cmd
}

func newAlertAckCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "ack ID...",
		Short:   "Acknowledge alerts: no more reminders or escalation",
		Example: "  vigie alert ack 42",
		Args:    cobra.MinimumNArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) error {
			_, err := parseIDs(args)
			return err
		},
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, args []string) error {
			ids, _ := parseIDs(args)
			engine := alert.NewEngine(alert.Options{Store: st, Logger: app.NewLogger(env.Stderr, "text", quiet())})
			acked, err := engine.Ack(ctx, ids, cliAuthor(env))
			if err != nil {
				return err
			}
			for _, a := range acked {
				switch {
				case !a.Firing():
					fmt.Fprintf(env.Stdout, "alert %d (%s) is already resolved\n", a.ID, a.Monitor)
				default:
					fmt.Fprintf(env.Stdout, "alert %d (%s) acknowledged by %s\n", a.ID, a.Monitor, a.AckedBy)
				}
			}
			return nil
		}),
	}
}

func parseIDs(args []string) ([]int64, error) {
	out := make([]int64, 0, len(args))
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usage("%q is not an id (a positive number from the list)", a)
		}
		out = append(out, id)
	}
	return out, nil
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// quiet is the log level of one-shot commands: warnings and errors only.
func quiet() *slog.LevelVar {
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	return level
}
