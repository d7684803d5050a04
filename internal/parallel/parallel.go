// Package parallel runs indexed work on a bounded number of goroutines.
package parallel

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// Each calls f(ctx, i) for i in [0, n) on at most workers goroutines
// (GOMAXPROCS when workers <= 0). The first failure cancels the context
// given to the remaining calls. Each reports the first error in index order
// that is not a cancellation it caused, so the message does not depend on
// scheduling; if the parent context ends, its error is returned.
func Each(parent context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if errs[i] = f(ctx, i); errs[i] != nil {
					cancel() // no point doing the rest
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return parent.Err()
}
