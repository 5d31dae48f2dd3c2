// Vite's client types (CSS imports, import.meta.env) for the root type-check.
/// <reference types="vite/client" />
