//go:build linux

package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// stats summarises a sample of durations.
type stats struct {
	N                       int
	Min, P50, P90, P99, Max time.Duration
	Mean                    time.Duration
}

// summarize computes nearest-rank percentiles: P99 of 200 samples is the
// 198th smallest, a real observation, never an interpolation.
func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return stats{
		N: len(s), Min: s[0], Max: s[len(s)-1], Mean: sum / time.Duration(len(s)),
		P50: rank(s, 50), P90: rank(s, 90), P99: rank(s, 99),
	}
}

func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// printStats prints key_n, key_p50_ns, ... lines.
func printStats(key string, ds []time.Duration) {
	s := summarize(ds)
	fmt.Printf("%s_n=%d\n", key, s.N)
	for _, kv := range []struct {
		k string
		v time.Duration
	}{{"min", s.Min}, {"p50", s.P50}, {"p90", s.P90}, {"p99", s.P99}, {"max", s.Max}, {"mean", s.Mean}} {
		fmt.Printf("%s_%s_ns=%d\n", key, kv.k, kv.v.Nanoseconds())
	}
}
