package config

import (
	"fmt"
	"strings"
	"time"
)

// RetentionEveryFor returns how often the retention schedule runs: the
// configured duration (at least a minute), -1 for "off", or 0 for the
// registry's default (every hour).
func (c Config) RetentionEveryFor() (time.Duration, error) {
	switch v := strings.TrimSpace(c.RetentionEvery); v {
	case "":
		return 0, nil
	case "off":
		return -1, nil
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return 0, fmt.Errorf("retention_every: %q must be a duration of at least 1m such as 1h or 24h, or off", v)
		}
		return d, nil
	}
}
