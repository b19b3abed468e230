package trust

import (
	"context"
	"errors"
	"fmt"
)

// Probe fetches a trusted issuer's discovery document and signing keys as
// the first token from it would, bypassing the caches and cool-downs, and
// returns how many usable signing keys it publishes. wharf doctor uses it
// to show an unreachable or misconfigured issuer before CI meets it.
func (v *Verifier) Probe(ctx context.Context, issuer string) (int, error) {
	r := v.issuers[issuer]
	if r == nil {
		return 0, fmt.Errorf("%s is not a trusted issuer", issuer)
	}
	d, err := r.fetchDiscovery(ctx)
	if err != nil {
		return 0, fmt.Errorf("discovery document: %w", err)
	}
	keys, err := d.keys.fetch(ctx)
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) && ve.Err != nil {
			err = ve.Err
		}
		return 0, fmt.Errorf("signing keys at %s: %w", d.keys.url, err)
	}
	if len(keys) == 0 {
		return 0, fmt.Errorf("signing keys at %s: none is an RSA (2048 bits or more) or P-256 signing key", d.keys.url)
	}
	return len(keys), nil
}
