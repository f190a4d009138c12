/** What the SQL crash test's writer and checker agree on: the accounts and their starting balance. */
export const ACCOUNTS = 50
export const INITIAL = 1000
