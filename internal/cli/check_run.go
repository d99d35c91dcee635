package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"vigie/internal/app"
	"vigie/internal/config"
	"vigie/internal/monitor"
)

func newCheckCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run monitors' checks by hand",
	}
	cmd.AddCommand(newCheckRunCmd(env))
	return cmd
}

func newCheckRunCmd(env Env) *cobra.Command {
	var asJSON bool
	var parallel int
	cmd := &cobra.Command{
		Use:   "run FILE [NAME...]",
		Short: "Run checks once and print the results; exit 1 when any is down",
		Long: `Run the checks of the monitors in FILE once (all of them, or those named) and print
a table, or JSON with --json. Thresholds do not apply: each line is that one run.
Heartbeat monitors are listed as skipped: they wait for pings. The exit code is 1
when any check is down, so it fits scripts and CI pipelines.`,
		Example: "  vigie check run vigie.yaml\n  vigie check run vigie.yaml website api --json",
		Args:    cobra.MinimumNArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0], env.LookupEnv)
			if err != nil {
				return err
			}
			selected := cfg.Monitors
			if names := args[1:]; len(names) > 0 {
				selected = nil
				for _, name := range names {
					found := false
					for _, m := range cfg.Monitors {
						if m.Name == name {
							selected, found = append(selected, m), true
						}
					}
					if !found {
						return usage("no monitor named %q in %s", name, args[0])
					}
				}
			}
			defs, err := app.BuildMonitors(selected)
			if err != nil {
				return err
			}
			outcomes := monitor.RunOnce(cmd.Context(), defs, parallel)
			down := 0
			for _, o := range outcomes {
				if !o.Skipped && o.Status == monitor.StatusDown {
					down++
				}
			}
			if asJSON {
				err = printJSON(env.Stdout, outcomesJSON(outcomes))
			} else {
				err = printOutcomes(env, outcomes)
			}
			if err != nil {
				return err
			}
			if down > 0 {
				return &runError{code: ExitFailure, err: fmt.Errorf("%d of %d checks down", down, len(outcomes))}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().IntVar(&parallel, "parallel", 32, "checks run at once")
	return cmd
}

type outcomeJSON struct {
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Status     string  `json:"status"`
	DurationMS float64 `json:"duration_ms"`
	Message    string  `json:"message,omitempty"`
}

func outcomesJSON(os []monitor.Outcome) []outcomeJSON {
	out := make([]outcomeJSON, 0, len(os))
	for _, o := range os {
		j := outcomeJSON{Name: o.Definition.Name, Type: o.Definition.Kind, Status: o.Status.String(),
			DurationMS: float64(o.Result.Duration.Microseconds()) / 1000, Message: o.Message}
		if o.Skipped {
			j.Status, j.Message = "skipped", "heartbeats wait for pings"
		}
		out = append(out, j)
	}
	return out
}

func printOutcomes(env Env, os []monitor.Outcome) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATUS\tTIME\tDETAIL")
	for _, o := range outcomesJSON(os) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f ms\t%s\n", o.Name, o.Type, o.Status, o.DurationMS, o.Message)
	}
	return tw.Flush()
}
