// Placeholder removed once the package has real tests.
