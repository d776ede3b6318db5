//! Creates the CRM table on DynamoDB (or an emulator, through
//! `AWS_ENDPOINT_URL_DYNAMODB`) from `template.yaml`'s table resource.
//!
//! `cargo run -p crm-store-dynamodb --bin create-table -- [--template template.yaml] [--table NAME]`
//! (`--table` defaults to `TABLE_NAME`, then `crm`).

use std::process::ExitCode;

use crm_store_dynamodb::table::TableDefinition;

#[tokio::main]
async fn main() -> ExitCode {
    let mut template = "template.yaml".to_string();
    let mut table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "crm".into());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--template", Some(v)) => template = v,
            ("--table", Some(v)) => table = v,
            _ => {
                eprintln!("usage: create-table [--template template.yaml] [--table NAME]");
                return ExitCode::from(2);
            }
        }
    }
    let def = match TableDefinition::from_template_file(std::path::Path::new(&template)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("create-table: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = crm_aws::config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    match def.create(&client, &table).await {
        Ok(()) => {
            println!("created table {table} from {template}");
            ExitCode::SUCCESS
        }
        Err(e) if e.contains("ResourceInUseException") => {
            println!("table {table} already exists");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("create-table: {e}");
            ExitCode::FAILURE
        }
    }
}
