package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/config"
)

func newConfigCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with configuration files",
	}
	cmd.AddCommand(newConfigCheckCmd(env))
	return cmd
}

func newConfigCheckCmd(env Env) *cobra.Command {
	var print bool
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file and list every problem at once",
		Long: `Validate a configuration file (and its includes) without starting anything.
Every problem is listed with file, line, column and key; the exit code is 2 when
there is any. With --print, the effective configuration (defaults filled in,
includes merged, secrets shown as <secret>) is printed.`,
		Example: "  vigie config check /etc/vigie/vigie.yaml\n  vigie config check --print examples/quickstart.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0], env.LookupEnv)
			if err != nil {
				if errs, ok := err.(config.Errors); ok {
					fmt.Fprintln(env.Stderr, errs.Error())
					return usage("%s: %d problem(s)", args[0], len(errs))
				}
				return err
			}
			if print {
				return cfg.Print(env.Stdout)
			}
			_, err = fmt.Fprintf(env.Stdout, "%s: ok\n", args[0])
			return err
		}),
	}
	cmd.Flags().BoolVar(&print, "print", false, "print the effective configuration")
	return cmd
}
