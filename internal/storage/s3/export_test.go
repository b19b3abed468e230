package s3

// SetPageSize makes List ask for n keys a request, so that tests can see
// it page through a listing with a few keys.
func SetPageSize(s *Store, n int) { s.pageSize = n }
