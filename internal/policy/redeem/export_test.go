package redeem

// SetChunkRows makes s approve and import bank files n rows at a time, so
// that small lists cross chunk boundaries.
func SetChunkRows(s *Service, n int) { s.chunk = n }
