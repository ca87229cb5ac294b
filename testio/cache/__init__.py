"""The local cache's storage: its tables (`models`), opening the database (`engine`), and the
cross-process sync lease (`synclock`). The SQL that reads and writes it is in `testio.repositories`."""
