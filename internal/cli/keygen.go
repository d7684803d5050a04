package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vouchdev/vouch/internal/atomicfile"
	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest/keys"
)

// Password environment variables, vouch's first.
const (
	envPassword       = "VOUCH_PASSWORD"
	envCosignPassword = "COSIGN_PASSWORD"
)

type keygenFlags struct {
	prefix     string
	algorithm  string
	force      bool
	noPassword bool
}

func init() { register((*env).keygenCommand) }

func (e *env) keygenCommand() *cobra.Command {
	var f keygenFlags
	var algs []string
	for _, a := range keys.Algorithms {
		algs = append(algs, string(a))
	}
	cmd := &cobra.Command{
		Use:   "keygen [flags]",
		Short: "Generate a key pair for signing (cosign's key format)",
		Long: `Generate a key pair for vouch sign, vouch attest and vouch release.

Writes PREFIX.key, the private key encrypted with a password (mode 0600), and
PREFIX.pub, the public key to give to verifiers. The private key is in cosign's
format ("ENCRYPTED SIGSTORE PRIVATE KEY": scrypt and NaCl secretbox over PKCS#8),
so cosign can use it too, and vouch can use keys made by cosign generate-key-pair.

The password is read from $` + envPassword + `, else $` + envCosignPassword + `; a variable
that is set but empty means an empty password. Without either, vouch asks on
the terminal, and fails when there is none. --no-password writes the private
key unencrypted (PKCS#8 PEM): only for keys kept in a secret store.

Existing files are never overwritten unless --force is given; with --force,
both files are replaced together or not at all, so a failed run leaves the
old key pair as it was.`,
		Example: `  # vouch.key and vouch.pub, ECDSA P-256
  VOUCH_PASSWORD=... vouch keygen

  # release.key and release.pub, Ed25519
  vouch keygen --output-key-prefix release --algorithm ed25519`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.runKeygen(&f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.prefix, "output-key-prefix", "vouch", "write `PREFIX`.key and PREFIX.pub")
	fl.StringVar(&f.algorithm, "algorithm", string(keys.ECDSAP256), "key `ALGORITHM`: "+strings.Join(algs, ", "))
	fl.BoolVarP(&f.force, "force", "f", false, "overwrite existing key files")
	fl.BoolVar(&f.noPassword, "no-password", false, "write the private key unencrypted")
	return cmd
}

func (e *env) runKeygen(f *keygenFlags) error {
	alg := keys.Algorithm(f.algorithm)
	known := false
	for _, a := range keys.Algorithms {
		known = known || a == alg
	}
	if !known {
		return usagef("--algorithm %q: want %s or %s", f.algorithm, keys.ECDSAP256, keys.Ed25519)
	}
	if f.prefix == "" {
		return usagef("--output-key-prefix must not be empty")
	}
	keyFile, pubFile := f.prefix+".key", f.prefix+".pub"
	if !f.force {
		for _, name := range []string{keyFile, pubFile} {
			if _, err := os.Lstat(name); err == nil {
				return &exitError{code: ExitError, err: fmt.Errorf("%s already exists; nothing written", name),
					hint: "choose another --output-key-prefix, or --force to overwrite"}
			}
		}
	}
	var password []byte
	if !f.noPassword {
		var err error
		if password, err = e.password(true); err != nil {
			return err
		}
	}
	key, err := keys.Generate(alg)
	if err != nil {
		return err
	}
	var priv []byte
	if f.noPassword {
		priv, err = keys.EncodePrivateUnencrypted(key)
	} else {
		priv, err = keys.EncodePrivate(key, password)
	}
	if err != nil {
		return err
	}
	pub, err := keys.EncodePublic(key.Public())
	if err != nil {
		return err
	}
	// Both halves or neither: with --force, a .pub that cannot be written
	// must not cost the user the private key already there; without it, a
	// file that appeared since the check above is not replaced either.
	err = atomicfile.WriteAll([]atomicfile.File{
		{Path: keyFile, Data: priv, Perm: atomicfile.Private, NoReplace: !f.force},
		{Path: pubFile, Data: pub, Perm: atomicfile.Public, NoReplace: !f.force},
	})
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("%w; no key written", err)}
	}
	fmt.Fprintf(e.stderr, "Private key written to %s\nPublic key written to %s\n", keyFile, pubFile)
	return nil
}

// lookupEnv tells an unset variable from an empty one (an empty password
// is a choice), while still honouring an injected getenv for set values.
func (e *env) lookupEnv(k string) (string, bool) {
	if v := e.getenv(k); v != "" {
		return v, true
	}
	return os.LookupEnv(k)
}

// password resolves the key password: $VOUCH_PASSWORD, $COSIGN_PASSWORD, or
// a prompt on a terminal (twice when confirm is set).
func (e *env) password(confirm bool) ([]byte, error) {
	for _, k := range []string{envPassword, envCosignPassword} {
		if v, ok := e.lookupEnv(k); ok {
			return []byte(v), nil
		}
	}
	in, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, usagef("no password: set %s (or %s), which may be empty, or run on a terminal to be asked", envPassword, envCosignPassword)
	}
	read := func(prompt string) ([]byte, error) {
		fmt.Fprint(e.stderr, prompt)
		pw, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		return pw, nil
	}
	pw, err := read("Enter password for private key: ")
	if err != nil || !confirm {
		return pw, err
	}
	again, err := read("Enter password for private key again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		return nil, errors.New("passwords do not match")
	}
	return pw, nil
}

// loadKey reads the private key file path given with flag (named in
// errors), asking for the password only if the key is encrypted.
func (e *env) loadKey(flag, path string) (*keyFile, error) {
	data, err := safefile.Read(flag, path, keys.MaxKeyFileSize)
	if err != nil {
		return nil, &exitError{code: ExitError, err: err}
	}
	var password []byte
	if keys.IsEncrypted(data) {
		if password, err = e.password(false); err != nil {
			return nil, err
		}
	}
	key, err := keys.LoadPrivate(data, password)
	if errors.Is(err, keys.ErrWrongPassword) {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("%s %s: %w", flag, path, err),
			hint: "check " + envPassword + " (or " + envCosignPassword + ")"}
	}
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("%s %s: %w", flag, path, err)}
	}
	return &keyFile{path: path, signer: key}, nil
}
