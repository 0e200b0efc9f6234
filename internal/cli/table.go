package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/upwrap/upwrap/internal/tui"
	"github.com/upwrap/upwrap/wrap"
)

// writeTable prints jobs as an aligned table: job, state, attempts,
// finished (local time), reason. With width > 0 (a terminal) each row is
// cut to fit; with color the state is painted.
func writeTable(w io.Writer, results []*wrap.Result, width int, color bool) {
	rows := [][]string{{"JOB", "STATE", "ATTEMPTS", "FINISHED", "REASON"}}
	for _, r := range results {
		row := []string{string(r.Job), r.Outcome.String(), "-", "-", ""}
		if r.Outcome == wrap.BadRecord {
			row[1], row[4] = badState(r.Err), r.Err.Error()
		} else if rec := r.Record; rec != nil {
			row[1], row[2], row[4] = string(rec.State), strconv.Itoa(rec.Attempts), rec.Reason
			if rec.FinishedAt != nil {
				row[3] = rec.FinishedAt.Local().Format("2006-01-02 15:04")
			}
		}
		rows = append(rows, row)
	}
	widths := make([]int, 4)
	for _, row := range rows {
		for i := range widths {
			widths[i] = max(widths[i], len(row[i]))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i := range widths {
			cell := row[i] + strings.Repeat(" ", widths[i]-len(row[i])+2)
			if n > 0 && i == 1 {
				cell = tui.Paint(color, outcomeStyle(results[n-1].Outcome), row[i]) + cell[len(row[i]):]
			}
			b.WriteString(cell)
		}
		used := 0
		for _, wd := range widths {
			used += wd + 2
		}
		reason := row[4]
		if width > 0 {
			reason = tui.Fit(reason, width-1-used)
		}
		b.WriteString(reason)
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
