// Package layout verifies an in-toto supply-chain layout against a
// directory of link metadata with github.com/in-toto/in-toto-golang.
//
// [Verify] follows in-toto's verification workflow (in-toto specification
// v1.0 §5.3 "Verifying the final product"; in_toto.InTotoVerify) step by
// step so that one step can be held back: a layout's inspections execute
// commands on the verifying machine, so they run only with
// [Options.RunInspections]. Otherwise they are listed in
// [Result.SkippedInspections] and the caller must say that the layout was
// verified without them.
package layout

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	intoto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest/keys"
)

// MaxFileBytes bounds a layout, a link or a key file: in-toto-golang reads
// whole files into memory. Real layouts and links are a few kilobytes; a
// link recording every file of a large tree can reach megabytes.
const MaxFileBytes = 16 << 20

// ErrFailed marks a verification failure (a signature, a threshold, an
// artifact rule, an inspection), as opposed to an operational error such as
// an unreadable file. Test with errors.Is.
var ErrFailed = errors.New("in-toto verification failed")

// Options control verification.
type Options struct {
	// RunInspections executes the layout's inspection commands in WorkDir.
	RunInspections bool
	// WorkDir is where inspections run (they read the final product and
	// may write files there); default: the link directory.
	WorkDir string
	// LineNormalization hashes text files with CRLF/CR line endings
	// normalised, as `in-toto verify --normalize-line-endings`.
	LineNormalization bool
}

// Result is a verified layout.
type Result struct {
	// Steps are the layout's steps whose links verified, sorted.
	Steps []string
	// Inspections ran (RunInspections) and passed, sorted.
	Inspections []string
	// SkippedInspections were not run because RunInspections was false.
	SkippedInspections []string
	// Products are the artifacts the verified steps (and inspections, when
	// run) recorded as products: path → algorithm → hex digest.
	Products map[string]map[string]string
}

// Verify checks the layout file signed by the given layout keys against
// the links in linkDir.
func Verify(ctx context.Context, layoutPath string, keyPaths []string, linkDir string, opts Options) (*Result, error) {
	if len(keyPaths) == 0 {
		return nil, fmt.Errorf("layout %s: no layout keys given", layoutPath)
	}
	if err := checkSize(layoutPath); err != nil {
		return nil, err
	}
	env, err := intoto.LoadMetadata(layoutPath)
	if err != nil {
		return nil, fmt.Errorf("load layout %s: %w", layoutPath, err)
	}
	keys := make(map[string]intoto.Key, len(keyPaths))
	for _, kp := range keyPaths {
		k, err := LoadKey(kp)
		if err != nil {
			return nil, err
		}
		keys[k.KeyID] = k
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fail := func(step string, err error) error {
		return fmt.Errorf("%w: layout %s: %s: %w", ErrFailed, filepath.Base(layoutPath), step, err)
	}
	// §5.3 (1): the layout is signed by the layout keys.
	if err := intoto.VerifyLayoutSignatures(env, keys); err != nil {
		return nil, fail("layout signature", err)
	}
	_, useDSSE := env.(*intoto.Envelope)
	layout, ok := env.GetPayload().(intoto.Layout)
	if !ok {
		return nil, fail("payload", intoto.ErrNotLayout)
	}
	// §5.3 (2): it has not expired.
	if err := intoto.VerifyLayoutExpiration(layout); err != nil {
		return nil, fail("expiration", err)
	}
	layout, err = intoto.SubstituteParameters(layout, nil)
	if err != nil {
		return nil, fail("parameters", err)
	}
	rootPool, interPool, err := intoto.LoadLayoutCertificates(layout, nil)
	if err != nil {
		return nil, fail("certificates", err)
	}
	if err := checkLinkSizes(layout, linkDir); err != nil {
		return nil, err
	}
	// §5.3 (3): links of each step, signed by its functionaries, meeting
	// the threshold.
	links, err := intoto.LoadLinksForLayout(layout, linkDir)
	if err != nil {
		return nil, fail("links", err)
	}
	verified, err := intoto.VerifyLinkSignatureThesholds(layout, links, rootPool, interPool)
	if err != nil {
		return nil, fail("link signatures", err)
	}
	verified, err = intoto.VerifySublayouts(layout, verified, linkDir, nil, opts.LineNormalization)
	if err != nil {
		return nil, fail("sublayouts", err)
	}
	intoto.VerifyStepCommandAlignment(layout, verified) // warnings only, as in-toto
	reduced, err := intoto.ReduceStepsMetadata(layout, verified)
	if err != nil {
		return nil, fail("links disagree", err)
	}
	// §5.3 (4): the steps' artifact rules.
	steps := make([]any, 0, len(layout.Steps))
	res := &Result{Products: map[string]map[string]string{}}
	for _, s := range layout.Steps {
		steps = append(steps, s)
		res.Steps = append(res.Steps, s.Name)
	}
	if err := intoto.VerifyArtifacts(steps, reduced); err != nil {
		return nil, fail("artifact rules", err)
	}
	for _, m := range reduced {
		addProducts(res.Products, m)
	}
	var inspections []string
	for _, in := range layout.Inspect {
		inspections = append(inspections, in.Name)
	}
	sort.Strings(inspections)
	sort.Strings(res.Steps)
	if len(inspections) == 0 {
		return res, nil
	}
	if !opts.RunInspections {
		res.SkippedInspections = inspections
		return res, nil
	}
	// §5.3 (5): inspections, run where the final product is.
	dir := opts.WorkDir
	if dir == "" {
		dir = linkDir
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inspected, err := runInspections(layout, dir, opts.LineNormalization, useDSSE)
	if err != nil {
		return nil, fail("inspections", err)
	}
	for k, v := range reduced {
		inspected[k] = v
	}
	items := make([]any, 0, len(layout.Inspect))
	for _, in := range layout.Inspect {
		items = append(items, in)
	}
	if err := intoto.VerifyArtifacts(items, inspected); err != nil {
		return nil, fail("inspection artifact rules", err)
	}
	for _, in := range layout.Inspect {
		addProducts(res.Products, inspected[in.Name])
	}
	res.Inspections = inspections
	return res, nil
}

// runInspections runs each inspection's command in dir and records the
// artifacts there, relative to dir. It does what in_toto.RunInspections does
// without its side effects on the verifying process: that function records
// paths prefixed with the run directory (so MATCH rules on relative paths
// fail unless the process's working directory is changed, which is not
// safe in a library), writes each inspection link into the working
// directory and prints on failure.
func runInspections(layout intoto.Layout, dir string, lineNormalization, useDSSE bool) (map[string]intoto.Metadata, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	strip := []string{abs + string(filepath.Separator)}
	out := make(map[string]intoto.Metadata, len(layout.Inspect))
	for _, in := range layout.Inspect {
		env, err := intoto.InTotoRun(in.Name, abs, []string{abs}, []string{abs}, in.Run, intoto.Key{},
			[]string{"sha256"}, nil, strip, lineNormalization, false, useDSSE)
		if err != nil {
			return nil, fmt.Errorf("inspection %q: %w", in.Name, err)
		}
		link, ok := env.GetPayload().(intoto.Link)
		if !ok {
			return nil, fmt.Errorf("inspection %q: no link recorded", in.Name)
		}
		if rv := fmt.Sprint(link.ByProducts["return-value"]); rv != "0" {
			return nil, fmt.Errorf("inspection %q: command %q exited with %s", in.Name, in.Run, rv)
		}
		out[in.Name] = env
	}
	return out, nil
}

// LoadKey reads a public key (PEM: RSA, ECDSA, Ed25519, or an X.509
// certificate) as in-toto does, with key-id hash algorithms sha256 and
// sha512. The scheme is in-toto's default for the key type, except that an
// ECDSA key gets the scheme of its curve (ecdsa-sha2-nistp384/-nistp521):
// in-toto-golang would call every ECDSA key nistp256, giving a P-521 key
// an id that no layout written by other in-toto implementations uses.
func LoadKey(path string) (intoto.Key, error) {
	var k intoto.Key
	if err := checkSize(path); err != nil {
		return k, err
	}
	data, err := safefile.Read("layout key", path, MaxFileBytes)
	if err != nil {
		return k, err
	}
	if scheme := ecdsaScheme(data); scheme != "" {
		err = k.LoadKey(path, scheme, []string{"sha256", "sha512"})
	} else {
		err = k.LoadKeyDefaults(path)
	}
	if err != nil {
		return k, fmt.Errorf("load layout key %s: %w", path, err)
	}
	return k, nil
}

// ecdsaScheme names the in-toto scheme of a PEM ECDSA public key by its
// curve; "" for anything else.
func ecdsaScheme(data []byte) string {
	pub, err := keys.LoadPublic(data)
	if err != nil {
		return ""
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return ""
	}
	switch k.Curve.Params().BitSize {
	case 256:
		return "ecdsa-sha2-nistp256"
	case 384:
		return "ecdsa-sha2-nistp384"
	case 521:
		return "ecdsa-sha2-nistp521"
	}
	return ""
}

func checkSize(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	// in-toto-golang opens these files itself, by path: a FIFO would block
	// it forever, so anything but a regular file is refused first.
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", path, safefile.ErrNotRegular)
	}
	if fi.Size() > MaxFileBytes {
		return fmt.Errorf("%s: %d bytes, over the limit of %d", path, fi.Size(), int64(MaxFileBytes))
	}
	return nil
}

// checkLinkSizes refuses oversized link files before in-toto-golang reads
// them whole.
func checkLinkSizes(layout intoto.Layout, linkDir string) error {
	for _, s := range layout.Steps {
		matches, _ := filepath.Glob(filepath.Join(linkDir, s.Name+".*.link"))
		for _, m := range matches {
			if err := checkSize(m); err != nil {
				return err
			}
		}
	}
	return nil
}

func addProducts(into map[string]map[string]string, m intoto.Metadata) {
	if m == nil {
		return
	}
	link, ok := m.GetPayload().(intoto.Link)
	if !ok {
		return
	}
	for path, h := range link.Products {
		d := map[string]string{}
		for alg, v := range h {
			d[alg] = v
		}
		into[path] = d
	}
}
