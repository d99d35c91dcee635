package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func newVersionCmd(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			b := env.Build
			if asJSON {
				return json.NewEncoder(env.Stdout).Encode(map[string]string{
					"version": b.Version, "commit": b.Commit, "go": b.GoVersion})
			}
			_, err := fmt.Fprintf(env.Stdout, "vigie %s (commit %s, %s)\n", b.Version, b.Commit, b.GoVersion)
			return err
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
