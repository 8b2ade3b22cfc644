package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// maxSecretFile bounds what a secret file may hold: secrets are short, and
// a mistaken path to a large file should fail, not fill the config.
const maxSecretFile = 64 << 10

// secretFlags are the --*-file flags that carry secrets without putting
// them on the command line, where every user of the machine can read them
// in /proc/PID/cmdline.
type secretFlags struct {
	BearerTokenFile   string `help:"Read the bearer token from this file, or from standard input if '-'. Prefer it to --bearer-token, whose value every local user can read in /proc/PID/cmdline." placeholder:"PATH"`
	SecretFile        string `help:"Read the JWT secret from this file, or from standard input if '-'. Prefer it to --secret." placeholder:"PATH"`
	SigningSecretFile string `help:"Read the Standard Webhooks signing secret from this file, or from standard input if '-'. Prefer it to --signing-secret." placeholder:"PATH"`
}

// read fills in the values the file flags name, at most one of them from
// stdin. A file holds the secret and at most surrounding white space (a
// trailing newline, say), which is dropped.
func (f *secretFlags) read(env *Env, f2 *webhookFlags) error {
	type source struct {
		flag, path, other string
		dst               *string
	}
	var sources []source
	stdinUsed := ""
	for _, s := range []source{
		{"--bearer-token-file", f.BearerTokenFile, f2.BearerToken, &f2.BearerToken},
		{"--secret-file", f.SecretFile, f2.Secret, &f2.Secret},
		{"--signing-secret-file", f.SigningSecretFile, f2.SigningSecret, &f2.SigningSecret},
	} {
		switch {
		case s.path == "":
			continue
		case s.other != "":
			return errorf(ExitUsage, "%s and the flag it replaces are both set: give one", s.flag)
		case s.path == "-" && stdinUsed != "":
			return errorf(ExitUsage, "%s and %s both read standard input: give one a file", stdinUsed, s.flag)
		case s.path == "-":
			stdinUsed = s.flag
		}
		sources = append(sources, s)
	}
	for _, s := range sources {
		secret, err := readSecret(env, s.flag, s.path)
		if err != nil {
			return err
		}
		*s.dst = secret
	}
	return nil
}

// readSecret reads the secret in the file at path, or on stdin for "-".
func readSecret(env *Env, flag, path string) (string, error) {
	r, name := env.Stdin, "standard input"
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return "", &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %w", flag, err)}
		}
		defer file.Close()
		r, name = file, path
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: reading %s: %w", flag, name, err)
	case len(b) > maxSecretFile:
		return "", errorf(ExitUsage, "%s: %s is larger than %d KiB; it should hold only the secret", flag, name, maxSecretFile>>10)
	}
	secret := string(bytes.TrimSpace(b))
	if secret == "" {
		return "", errorf(ExitUsage, "%s: %s is empty", flag, name)
	}
	return secret, nil
}
