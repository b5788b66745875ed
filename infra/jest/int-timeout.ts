// Integration tests run real brokers and processes on a loaded 2-core CI machine. A test's own
// deadlines (eventually()) say what it waited for; jest's 5 s default would cut them short first.
jest.setTimeout(60_000);
