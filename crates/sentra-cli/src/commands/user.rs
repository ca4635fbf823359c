//! `sentra user`: accounts from the command line.

use anyhow::{anyhow, bail};
use sentra_domain::region::RegionTree;
use sentra_storage::Actor;

use crate::context::{Context, DbArgs, field_errors_text, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Create an account. The password is read from standard input when piped, otherwise a
    /// strong one is generated and printed once.
    Add {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Sign-in name: e-mail address or phone number.
        #[arg(long)]
        login: String,
        /// admin, operator, curator, procurement, partner, owner or viewer.
        #[arg(long)]
        role: String,
        /// Region code the account may see and change, e.g. 36.74 or 36.74.03.
        #[arg(long)]
        scope: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account and end its sessions and tokens.
    Disable {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Re-enable a disabled account.
    Enable {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Change an account's role (ends its sessions).
    SetRole {
        login: String,
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue an API token for an account (shown once; stored hashed).
    Token {
        login: String,
        /// What the token is for, e.g. "dashboard sync".
        #[arg(long, default_value = "api")]
        label: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (from standard input, or generated and printed) and end all sessions.
    ResetPassword {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// A password from standard input when it is piped, otherwise a generated one (printed once).
fn password_from_stdin_or_generated() -> anyhow::Result<(String, bool)> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if !pw.is_empty() {
            return Ok((pw, false));
        }
    }
    Ok((sentra_storage::new_secret()[..20].to_string(), true))
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    // The command line acts with the authority of whoever runs the server: no region limit.
    let cli = Actor::system("cli");
    match args.action {
        Action::Add {
            name,
            login,
            role,
            scope,
            db,
        } => {
            let db = open(&cx.conn(&db)).await?;
            let (password, generated) = password_from_stdin_or_generated()?;
            let account = sentra_domain::account::validate_account(
                &name,
                &login,
                &role,
                &scope,
                &password,
                RegionTree::embedded(),
                None,
            )
            .map_err(|e| anyhow!("{}", field_errors_text(&e)))?;
            let user = db
                .create_user(&account, &password, &cli)
                .await
                .map_err(|e| match e {
                    sentra_storage::StorageError::Invalid(f) => {
                        anyhow!("{}", field_errors_text(&f))
                    }
                    other => other.into(),
                })?;
            println!(
                "created {} ({}, {}, scope {})",
                user.login,
                user.name,
                user.role.as_str(),
                user.scope
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        Action::List { db } => {
            let db = open(&cx.conn(&db)).await?;
            for u in db.list_users(None).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    u.login,
                    u.role.as_str(),
                    u.scope,
                    u.name,
                    if u.disabled { "\t(disabled)" } else { "" }
                );
            }
            Ok(())
        }
        Action::Disable { login, db } => {
            let db = open(&cx.conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let user = db.set_user_disabled(None, &login, true, &cli).await?;
            println!("disabled {} and ended its sessions", user.login);
            Ok(())
        }
        Action::Enable { login, db } => {
            let db = open(&cx.conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let user = db.set_user_disabled(None, &login, false, &cli).await?;
            println!("enabled {}", user.login);
            Ok(())
        }
        Action::SetRole { login, role, db } => {
            let db = open(&cx.conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let role = sentra_domain::account::Role::parse(&role)
                .map_err(|e| anyhow!("role: {}", sentra_i18n::Lang::En.error(e.0)))?;
            let user = db.set_role(None, &login, role, &cli).await?;
            println!(
                "{} is now {}; its sessions ended",
                user.login,
                user.role.as_str()
            );
            Ok(())
        }
        Action::Token {
            login,
            label,
            days,
            db,
        } => {
            let db = open(&cx.conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            if !(1..=3650).contains(&days) {
                bail!("--days must be between 1 and 3650");
            }
            let user = db
                .user_by_login(&login)
                .await?
                .filter(|u| !u.disabled)
                .ok_or_else(|| anyhow!("no active account {login}"))?;
            let token = db
                .create_api_token(&user, &label, chrono::Duration::days(days), &cli)
                .await?;
            println!(
                "token for {} (expires in {days} days; shown only now):\n{token}",
                user.login
            );
            Ok(())
        }
        Action::ResetPassword { login, db } => {
            let db = open(&cx.conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let (password, generated) = password_from_stdin_or_generated()?;
            sentra_domain::account::check_password(&password)
                .map_err(|e| anyhow!("password: {}", sentra_i18n::Lang::En.error(e.0)))?;
            let user = db.reset_password(None, &login, &password, &cli).await?;
            println!(
                "new password set for {}; all its sessions ended",
                user.login
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
    }
}
