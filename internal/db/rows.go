package db

// rowsTo converts database rows to the registry's values with each row's
// own conversion, stopping at the first that fails (stored JSON that no
// longer reads).
func rowsTo[R any, T any](rows []R, convert func(*R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for i := range rows {
		v, err := convert(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
