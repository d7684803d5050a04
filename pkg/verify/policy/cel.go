package policy

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// MaxRuleCost bounds one CEL rule's evaluation, in CEL's cost units (about
// one per operation and per list element visited): enough to walk a
// 50,000-component SBOM several times, not enough to hang on a quadratic
// rule over it.
const MaxRuleCost = 10_000_000

// maxRuleLength bounds a rule's source text.
const maxRuleLength = 16 << 10

// CEL variables available to rules; documented in docs/policy.md.
//
//	artifact    {name: string, digests: map(string, string), repository: string}
//	statements  list of {predicateType, subject: [{name, digest}], predicate: map,
//	            signer: {identity, issuer, keyId, extensions}, bundle}
//	provenance  {builderId, buildType, sourceUri, source, sourceRef,
//	            sourceDigest, level} of the accepted provenance, or null
//	sbom        {present: bool, format, specVersion,
//	            components: [{name, version, purl, type, license, licenses: {declared, concluded}}]}
var celVariables = []string{"artifact", "statements", "provenance", "sbom"}

var (
	celEnvOnce sync.Once
	celEnv     *cel.Env
	celEnvErr  error
)

func ruleEnv() (*cel.Env, error) {
	celEnvOnce.Do(func() {
		opts := []cel.EnvOption{ext.Strings()}
		for _, v := range celVariables {
			opts = append(opts, cel.Variable(v, cel.DynType))
		}
		celEnv, celEnvErr = cel.NewEnv(opts...)
	})
	return celEnv, celEnvErr
}

// compiledRule is a CEL rule ready to evaluate.
type compiledRule struct {
	Rule
	prg cel.Program
}

// compileRule parses and type-checks a rule. Errors name the rule and give
// the line and column within the expression.
func compileRule(r Rule) (compiledRule, error) {
	cr := compiledRule{Rule: r}
	if strings.TrimSpace(r.Expression) == "" {
		return cr, fmt.Errorf("rule %q: expression is empty", r.Name)
	}
	if len(r.Expression) > maxRuleLength {
		return cr, fmt.Errorf("rule %q: expression longer than %d characters", r.Name, maxRuleLength)
	}
	env, err := ruleEnv()
	if err != nil {
		return cr, fmt.Errorf("cel environment: %w", err)
	}
	ast, iss := env.Compile(r.Expression)
	if iss.Err() != nil {
		return cr, fmt.Errorf("rule %q: %s", r.Name, strings.ReplaceAll(strings.TrimSpace(iss.Err().Error()), "<input>:", "expression:"))
	}
	if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
		return cr, fmt.Errorf("rule %q: expression is of type %s, want bool", r.Name, t)
	}
	cr.prg, err = env.Program(ast, cel.CostLimit(MaxRuleCost), cel.InterruptCheckFrequency(100))
	if err != nil {
		return cr, fmt.Errorf("rule %q: %w", r.Name, err)
	}
	return cr, nil
}

// eval runs the rule; a non-bool result is an error.
func (cr *compiledRule) eval(ctx context.Context, vars map[string]any) (bool, error) {
	out, _, err := cr.prg.ContextEval(ctx, vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("result is %s (%v), want bool", out.Type().TypeName(), out.Value())
	}
	return b, nil
}
