//! Generates the parser from `grammar/aio.lalrpop` into `OUT_DIR` (included by `src/syntax/parser.rs`).

fn main() {
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .emit_rerun_directives(true)
        .process()
        .expect("the grammar in grammar/ must compile");
}
