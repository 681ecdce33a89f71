//! The `koncert-sf` binary: everything lives in the library; see `cli::main`.

fn main() -> std::process::ExitCode {
    koncert_sf::cli::main()
}
