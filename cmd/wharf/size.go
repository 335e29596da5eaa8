package main

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// A size flag (--max-header-bytes, --max-body-bytes) takes a number of
// bytes, written as a whole number with an optional unit:
//
//	1048576      bytes
//	512B         bytes
//	64KiB 1MiB   IEC units, 1024-based: KiB, MiB, GiB, TiB
//	10kB 10MB    SI units, 1000-based: kB, MB, GB, TB
//	1 MiB        a space (or several) may stand between number and unit
//
// Units are case-sensitive, and the ambiguous spellings (k, K, KB, M,
// mb, MIB ...) are refused rather than guessed: "KB" means 1000 to some
// and 1024 to others, and a limit off by 2.4% is a bug nobody sees.
// Fractions, signs and digit separators are refused too. The help text
// and the startup log print sizes as formatSize does, and parseSize
// reads back everything formatSize writes.

// sizeUnits are the units parseSize accepts, IEC first, each largest
// first: formatSize picks the first that divides a value exactly.
var sizeUnits = []struct {
	name string
	n    int64
}{
	{"TiB", 1 << 40},
	{"GiB", 1 << 30},
	{"MiB", 1 << 20},
	{"KiB", 1 << 10},
	{"TB", 1e12},
	{"GB", 1e9},
	{"MB", 1e6},
	{"kB", 1e3},
	{"B", 1},
}

// sizeUnitHelp lists the accepted units for error messages.
const sizeUnitHelp = "B, KiB, MiB, GiB, TiB (1024-based) or kB, MB, GB, TB (1000-based)"

var errTooLarge = errors.New("too large for a size in bytes")

// parseSize parses s as a size in bytes (see above). The result is
// never negative; range checks (at least 1, fits an int) are the
// caller's.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	num, unit := s[:i], strings.TrimLeft(s[i:], " \t")
	if num == "" {
		return 0, errors.New("not a size: want a whole number of bytes, optionally with a unit (e.g. 16384, 64KiB, 1 MiB, 10MB)")
	}
	if unit != "" && (unit[0] == '.' || unit[0] == ',' || unit[0] == '_') {
		return 0, errors.New("not a size: want a whole number (no fractions or digit separators: write 1536KiB, not 1.5MiB)")
	}
	mult := int64(1)
	if unit != "" {
		mult = 0
		for _, u := range sizeUnits {
			if unit == u.name {
				mult = u.n
				break
			}
		}
		if mult == 0 {
			return 0, errors.New("unknown unit " + strconv.Quote(unit) + ": want " + sizeUnitHelp)
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, errTooLarge
	}
	return n * mult, nil
}

// formatSize writes n with the largest unit that divides it exactly,
// IEC before SI (10485760 is "10MiB", 16384 "16KiB", 3000 "3kB"), and
// as plain bytes otherwise ("0", "1000001").
func formatSize(n int64) string {
	if n != 0 {
		for _, u := range sizeUnits {
			if n%u.n == 0 && u.n > 1 {
				return strconv.FormatInt(n/u.n, 10) + u.name
			}
		}
	}
	return strconv.FormatInt(n, 10)
}

// A sizeValue is a flag.Value for a size flag, stored in an int or an
// int64.
type sizeValue[T int | int64] struct{ p *T }

func (v sizeValue[T]) String() string {
	if v.p == nil {
		return "0"
	}
	return formatSize(int64(*v.p))
}

func (v sizeValue[T]) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	if int64(T(n)) != n {
		return errTooLarge
	}
	*v.p = T(n)
	return nil
}
