// Signal generators and tolerance helpers for the tests.
