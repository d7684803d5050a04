package parallel

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestEachRunsAll(t *testing.T) {
	var sum atomic.Int64
	if err := Each(context.Background(), 100, 3, func(_ context.Context, i int) error {
		sum.Add(int64(i))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sum.Load() != 4950 {
		t.Fatalf("sum %d, want 4950", sum.Load())
	}
}

func TestEachFirstErrorInIndexOrder(t *testing.T) {
	for range 20 {
		err := Each(context.Background(), 50, 4, func(ctx context.Context, i int) error {
			switch {
			case i == 7 || i == 30:
				return fmt.Errorf("item %d", i)
			case ctx.Err() != nil:
				return ctx.Err()
			}
			return nil
		})
		if err == nil || err.Error() != "item 7" {
			t.Fatalf("got %v, want item 7", err)
		}
	}
}

func TestEachParentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Each(ctx, 10, 2, func(ctx context.Context, i int) error { return ctx.Err() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestEachEmpty(t *testing.T) {
	if err := Each(context.Background(), 0, 2, func(context.Context, int) error { return errors.New("called") }); err != nil {
		t.Fatal(err)
	}
}
