package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// serveLong is vouch serve's help: what it does, its two deployment
// shapes, tokens, endpoints, trust and VSAs.
const serveLong = `Run vouch as a verification service for package registries: a registry
POSTs an artifact's digests and its Sigstore bundles, vouch verifies them
against the namespace's policy exactly as vouch verify does, stores the
decision with a signed verification summary (VSA) and returns the same JSON
report. Nothing on the request path touches the network.

Two deployment shapes:
  one machine    vouch serve: an embedded SQLite database in --data-dir,
                 listening on 127.0.0.1:8321 (loopback only without TLS);
                 the VSA key is made in the data directory at the first start.
  many replicas  vouch serve --database postgres://... --vsa-key FILE, the
                 same command on each machine behind a load balancer: one
                 PostgreSQL holds the decisions and the job queue (River),
                 replicas keep no state and sign with the one shared key.
                 Give each --tls-cert and --tls-key to listen beyond
                 loopback (SIGHUP reloads both files); --rate-limit is per
                 replica, so N replicas allow N times the rate.
The schema is migrated at start, once however many replicas start.

Tokens: the first start prints an admin API token once (only its SHA-256 is
stored). Every /v1 request needs "Authorization: Bearer TOKEN". That global
admin makes the others, each for one namespace, optionally expiring:
  verify   POST verifications
  read     the policy, decisions, VSAs and registry reads
  admin    all of these, the policy and the webhook
Each token may make --rate-limit requests a second (bursts of --burst) to
each replica, then gets 429 with Retry-After.

Endpoints (scope; schemas/openapi.yaml documents each field and status):
  PUT    /v1/namespaces/{ns}/policy          admin: a policy, YAML as vouch
         verify --policy; the namespace's decisions are re-evaluated
  GET    /v1/namespaces/{ns}/policy          read
  POST   /v1/namespaces/{ns}/verifications   verify: {"subject": {"digests":
         {"sha256": HEX}, "purl": PURL}, "bundles": [BUNDLE...]}
  GET    /v1/verifications/{id}              read
  GET    /v1/subjects/{digest}               read: every decision on
         sha256:HEX, with supersedes/supersededBy of re-evaluations
  GET    /v1/vsa/{digest}                    read: the VSA of the newest
         current decision (?namespace=NS)
  GET    /v1/vsa-key                         read: the PEM key VSAs verify with
  PUT    /v1/namespaces/{ns}/webhook         admin: {"url": URL, "secret":
         32+ BYTES}; publisher.drift events are POSTed, HMAC-signed
         (X-Vouch-Signature), retried with backoff
  GET    /v1/namespaces/{ns}/webhook         admin (never the secret)
  DELETE /v1/namespaces/{ns}/webhook         admin
  GET    /v1/namespaces/{ns}/integrity/{project}/{version}/{filename}/provenance
                                             read: PyPI's provenance object
  GET    /v1/namespaces/{ns}/npm/v1/attestations/{package}
                                             read: npm's attestations (NAME@VERSION)
  POST   /v1/tokens                          global admin: {"scope": SCOPE,
         "namespace": NS, "expiresIn": SECONDS}; the secret is shown once
  GET    /v1/tokens                          global admin (no secrets)
  DELETE /v1/tokens/{id}                     global admin: revokes
  GET    /healthz                            no token: the process is up
  GET    /readyz                             no token: the database answers
  GET    /metrics                            no token: Prometheus (requests,
         decisions, latency, queue depth, trust and database reloads)

Trust is the deployment's, as in vouch verify: --key for key-signed bundles,
--trusted-root for keyless ones (pinned); without it the Sigstore public-good
root from the TUF cache or embedded in vouch, refreshed through TUF in the
background every --trust-refresh (never with --offline). A failed refresh
keeps the last good root and counts in vouch_trust_refresh_failures_total.
A new policy or new trust re-evaluates the decisions in the background, on
the job queue; each earlier record is kept and names its successor. Served
policies cannot name files (trust.keys, trustedRoot, layout).

Vulnerabilities: a policy with a vulnerabilities section needs --vuln-db
DIR, an offline OSV database (the layout vouch vuln --db reads), opened at
the start: an unreadable one stops it. Each decision then matches the
components of the subject's trusted SBOM attestation against it and clears
matches by the OpenVEX attestations among the request's bundles that the
policy trusts, or the policy's allow entries. Without --vuln-db such a
policy's decisions fail with an error finding naming it. The answer for
each distinct component is remembered (the database is read once per
component, not per request). Each such decision names the database by a
digest of its files (vulnDbSha256; in the VSA, the input attestation
vouch-serve:vuln-db), and the same request against another database is a
new decision. SIGHUP, and --vuln-db-refresh DURATION if given, re-read
DIR: a new digest swaps the database for later requests and re-evaluates in
the background the current decisions of policies with the gate made against
another one (reason "vulnerability database changed"), as a start does. A
database that does not open keeps the last good one, logged and counted in
vouch_vuln_db_refresh_failures_total. Replace DIR's files as a whole (a new
directory renamed over it).

SIGINT or SIGTERM stops accepting requests, waits for those in flight, then
for running background jobs.`

// serveExample is a first session on the embedded default, as an operator
// types it: TestServeHelpSession runs it.
const serveExample = `  # One machine: SQLite in ./vouch-data, http://127.0.0.1:8321. The first
  # start prints the admin token: export VOUCH_ADMIN=<that token>.
  vouch serve --key acme.pub
  S=http://127.0.0.1:8321

  # The namespace's policy, a verify token for its CI, a drift webhook.
  curl -fsS -X PUT -H "Authorization: Bearer $VOUCH_ADMIN" --data-binary @policy.yaml $S/v1/namespaces/npm/policy
  VOUCH_TOKEN=$(curl -fsS -H "Authorization: Bearer $VOUCH_ADMIN" -d '{"scope":"verify","namespace":"npm"}' $S/v1/tokens | jq -r .token)
  curl -fsS -X PUT -H "Authorization: Bearer $VOUCH_ADMIN" \
    -d '{"url":"https://hooks.example/vouch","secret":"at-least-32-bytes-of-secret-0123456789"}' $S/v1/namespaces/npm/webhook

  # A release verified by the service: vouch verify's report and exit code.
  export VOUCH_TOKEN
  vouch verify --server $S --namespace npm --bundle app.tgz.sigstore.json app.tgz

  # The key the decisions' VSAs verify with.
  curl -fsS -H "Authorization: Bearer $VOUCH_ADMIN" $S/v1/vsa-key`

// flagGroupAnnotation names a flag's section in a grouped help.
const flagGroupAnnotation = "vouch-group"

// groupFlags puts the named flags of fs in the help section title.
func groupFlags(fs *pflag.FlagSet, title string, names ...string) {
	for _, n := range names {
		if err := fs.SetAnnotation(n, flagGroupAnnotation, []string{title}); err != nil {
			panic(err) // a flag named here that is not defined: a bug
		}
	}
}

// useFlagGroups makes cmd's usage list its flags in sections, in the
// order the flags are defined; a flag no group names is under "Other
// flags", so none is left out.
func useFlagGroups(cmd *cobra.Command) {
	cmd.Flags().SortFlags = false
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		if c.Example != "" {
			fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
		}
		fmt.Fprint(w, groupedFlagUsages(c.LocalFlags()))
		return nil
	})
}

// groupedFlagUsages is the usage of each section of fs's flags.
func groupedFlagUsages(fs *pflag.FlagSet) string {
	var order []string
	groups := map[string]*pflag.FlagSet{}
	fs.VisitAll(func(f *pflag.Flag) {
		title := "Other flags"
		if g := f.Annotations[flagGroupAnnotation]; len(g) == 1 {
			title = g[0]
		}
		if groups[title] == nil {
			groups[title] = pflag.NewFlagSet(title, pflag.ContinueOnError)
			groups[title].SortFlags = false
			order = append(order, title)
		}
		groups[title].AddFlag(f)
	})
	var b strings.Builder
	for _, title := range order {
		fmt.Fprintf(&b, "\n%s:\n%s", title, groups[title].FlagUsages())
	}
	return b.String()
}
