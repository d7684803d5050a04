package client

// SetLimit lowers the response bound, so a test need not send 64 MiB.
func (c *Client) SetLimit(n int64) { c.limit = n }
