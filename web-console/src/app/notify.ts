// How a page tells the operator something happened: a short toast the shell shows and clears.
// A module of its own so pages can name the type without importing the shell that renders them.

export type Notify = (text: string, tone?: 'info' | 'error') => void;
