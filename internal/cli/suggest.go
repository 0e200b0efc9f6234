package cli

// suggest returns the name among names nearest to typed, or "" when none is
// near enough to be what the user meant: an optimal-string-alignment
// distance (insertions, deletions, substitutions and swaps of adjacent
// letters) of 1 for names shorter than five letters, 2 for longer ones.
// "stauts" finds "status" and "jbo" finds "job"; "frob" finds nothing.
func suggest(typed string, names []string) string {
	best, bestD := "", 0
	for _, n := range names {
		limit := 1
		if len(n) >= 5 {
			limit = 2
		}
		d := editDistance(typed, n)
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// byte-wise (command and flag names are ASCII).
func editDistance(a, b string) int {
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
