package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newBackupKeyCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print this server's snapshot-signing public key (creating the key on first use)",
		Long: `Every snapshot's manifest is signed with this server's ed25519 key (backups.signing_key_file).
Verifying or restoring its snapshots on another machine needs the public half: put the line
printed here in that machine's backups.trusted_keys, and keep a copy with your recovery notes.`,
		Args: cobra.NoArgs,
		RunE: withBackups(env, f, backupOpts{signingKey: true}, func(_ context.Context, be *backupEnv, _ []string) error {
			_, err := fmt.Fprintln(env.Stdout, be.keys.PublicKeyText())
			return err
		}),
	}
}
