package ui

// Temporary: the screens of the process, pay and pending flows land next.
func newProcess(c *Common, s *session) Screen            { return newOverview(c, s) }
func newPay(c *Common, s *session, only []string) Screen { return newOverview(c, s) }
func newPending(c *Common, s *session) Screen            { return newOverview(c, s) }
