package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/alert"
	"vigie/internal/store"
)

func newSilenceCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "silence",
		Short: "Hold back alert messages for a while",
		Long: `A silence holds back the messages of alerts whose labels all match (monitor, type, and the
monitor's own labels) from its start to its end. Silenced alerts still open and show.`,
	}
	cmd.AddCommand(newSilenceAddCmd(env, f), newSilenceListCmd(env, f), newSilenceExpireCmd(env, f))
	return cmd
}

func newSilenceAddCmd(env Env, f *rootFlags) *cobra.Command {
	var duration time.Duration
	var reason, startText string
	cmd := &cobra.Command{
		Use:     "add LABEL=VALUE...",
		Short:   "Create a silence",
		Example: "  vigie silence add monitor=db-primary --for 2h --reason 'PostgreSQL 17 upgrade'",
		Args:    cobra.MinimumNArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) error {
			_, _, err := silenceInput(args, duration, reason, startText, time.Now())
			return err
		},
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, args []string) error {
			now := time.Now()
			matchers, start, err := silenceInput(args, duration, reason, startText, now)
			if err != nil {
				return err
			}
			sl := &alert.Silence{Matchers: matchers, StartsAt: start, EndsAt: start.Add(duration), Author: cliAuthor(env),
				Reason: strings.TrimSpace(reason), CreatedAt: now}
			if err := st.CreateSilence(ctx, sl); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "silence %d: %s until %s\n", sl.ID, formatMatchers(sl.Matchers), rfc3339(sl.EndsAt))
			return err
		}),
	}
	cmd.Flags().DurationVar(&duration, "for", 2*time.Hour, "how long, e.g. 90m or 4h")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required): for whoever wonders later")
	cmd.Flags().StringVar(&startText, "start", "", "start later, at this RFC 3339 time (default now)")
	return cmd
}

// silenceInput checks a silence's command-line input before anything is opened.
func silenceInput(args []string, d time.Duration, reason, startText string, now time.Time) (map[string]string, time.Time, error) {
	matchers, err := alert.ParseMatchers(strings.Join(args, " "))
	if err != nil {
		return nil, time.Time{}, usage("%s", err)
	}
	if d <= 0 || d > 90*24*time.Hour {
		return nil, time.Time{}, usage("--for: want a positive duration up to 90 days (2160h), got %s", d)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, time.Time{}, usage("--reason is required: say why, for whoever wonders later")
	}
	start := now
	if startText != "" {
		if start, err = time.Parse(time.RFC3339, startText); err != nil {
			return nil, time.Time{}, usage("--start: want an RFC 3339 time like 2026-11-24T22:00:00+01:00, got %q", startText)
		}
		if start.Add(d).Before(now) {
			return nil, time.Time{}, usage("--start: the silence would be over already")
		}
	}
	return matchers, start, nil
}

func formatMatchers(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	// Map order is random; sorted output reads the same every time.
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func newSilenceListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List active and planned silences",
		Args:  cobra.NoArgs,
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, _ []string) error {
			now := time.Now()
			sls, err := st.Silences(ctx, now)
			if err != nil {
				return err
			}
			if asJSON {
				out := []map[string]any{}
				for _, sl := range sls {
					out = append(out, map[string]any{"id": sl.ID, "matchers": sl.Matchers, "starts_at": rfc3339(sl.StartsAt),
						"ends_at": rfc3339(sl.EndsAt), "author": sl.Author, "reason": sl.Reason, "active": sl.Active(now)})
				}
				return printJSON(env.Stdout, out)
			}
			if len(sls) == 0 {
				_, err := fmt.Fprintln(env.Stdout, "No silence.")
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMATCHES\tSTATE\tSTARTS\tENDS\tBY\tREASON")
			for _, sl := range sls {
				state := "planned"
				if sl.Active(now) {
					state = "active"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", sl.ID, formatMatchers(sl.Matchers), state, rfc3339(sl.StartsAt),
					rfc3339(sl.EndsAt), sl.Author, sl.Reason)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newSilenceExpireCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "expire ID...",
		Short: "End silences now",
		Args:  cobra.MinimumNArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) error {
			_, err := parseIDs(args)
			return err
		},
		RunE: withStore(env, f, func(ctx context.Context, st *store.Store, args []string) error {
			ids, _ := parseIDs(args)
			for _, id := range ids {
				if err := st.EndSilence(ctx, id, time.Now()); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "silence %d ended\n", id)
			}
			return nil
		}),
	}
}
