package auth

// HoldHashSlot takes one password hashing slot until the returned function
// is called, so that tests can make logins wait at the gate.
func (s *Service) HoldHashSlot() (release func()) {
	s.hashing.slots <- struct{}{}
	return func() { <-s.hashing.slots }
}
