package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// TestTokens: a token keeps its scope, namespace and expiry; revoking marks
// it (the first time is kept) and leaves it counted and listed; an unknown
// id is ErrNotFound.
func TestTokens(t *testing.T) { storetest.Run(t, testTokens) }

func testTokens(t *testing.T, db storetest.DB) {
	ctx := context.Background()
	st := openTest(t, db.NewDSN(t))
	created := time.Unix(1700000000, 5).UTC()
	expires := created.Add(time.Hour)
	want := []Token{
		{ID: "a", SHA256: "sa", Scope: "admin", Created: created},
		{ID: "b", SHA256: "sb", Scope: "read", Namespace: "npm", Created: created.Add(time.Second), Expires: expires},
	}
	for _, tok := range want {
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.TokenBySHA256(ctx, "sb"); err != nil || got != want[1] {
		t.Errorf("TokenBySHA256: %+v, %v; want %+v", got, err, want[1])
	}
	first, later := created.Add(2*time.Hour), created.Add(3*time.Hour)
	for _, at := range []time.Time{first, later} {
		if err := st.RevokeToken(ctx, "b", at); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	if err := st.RevokeToken(ctx, "nope", first); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking an unknown token: %v, want ErrNotFound", err)
	}
	want[1].Revoked = first
	list, err := st.Tokens(ctx)
	if err != nil || len(list) != 2 || list[0] != want[0] || list[1] != want[1] {
		t.Errorf("Tokens: %+v, %v; want %+v", list, err, want)
	}
	if n, err := st.CountTokens(ctx); err != nil || n != 2 {
		t.Errorf("CountTokens: %d, %v; want 2 (revoked tokens count)", n, err)
	}
}
