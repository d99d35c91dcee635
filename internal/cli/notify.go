package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/config"
	"vigie/internal/notify"
	"vigie/internal/notify/receivers"
)

func newNotifyCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Work with notification receivers",
	}
	cmd.AddCommand(newNotifyTestCmd(env, f))
	return cmd
}

func newNotifyTestCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "test RECEIVER",
		Short: "Send a test message to a receiver now and say whether it arrived",
		Long: `Send a test message to the named receiver of the configuration, directly (not
through the outbox), and print the receiver's answer. Exit 1 when it refused or
could not be reached.`,
		Example: "  vigie notify test ops-slack --config /etc/vigie/vigie.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(f.configPath, env.LookupEnv)
			if err != nil {
				return err
			}
			var spec *receivers.Spec
			for _, r := range cfg.Receivers {
				if r.Name == args[0] {
					s := r.Spec()
					spec = &s
				}
			}
			if spec == nil {
				return usage("no receiver named %q in %s", args[0], f.configPath)
			}
			n, err := receivers.New(*spec)
			if err != nil {
				return err
			}
			now := time.Now()
			m := notify.Message{Key: notify.Key("test", args[0], now.Format(time.RFC3339Nano)), GroupKey: notify.Key("test", args[0]),
				Kind: notify.KindTest, Severity: notify.SeverityInfo, SentAt: now,
				Title:  "[TEST] vigie can reach " + args[0],
				Text:   "This is a test message from vigie. Alerts routed to " + args[0] + " will arrive like this one.",
				Alerts: []notify.Alert{{Monitor: "vigie-test", State: "test", Reason: "test message", StartedAt: now}}}
			if err := notify.SendNow(cmd.Context(), n, m); err != nil {
				return fmt.Errorf("%s: not delivered: %w", args[0], err)
			}
			_, err = fmt.Fprintf(env.Stdout, "%s: delivered\n", args[0])
			return err
		}),
	}
}
