"""Storage adapters: the run store on DuckDB (`duckdb/`), the blob stores where the database
and its documents are kept (`blob_local`, `blob_s3`, `blob_readonly`, sharing `blob_files`),
the token stores (`token_file`, `secrets_manager`) and the one boto3 client factory
(`aws_clients`)."""
