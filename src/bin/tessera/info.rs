//! `tessera info`: the tree of a store.

use std::path::Path;
use tessera::zarr::{self, NodeInfo, NodeKind};

pub fn run(path: &Path) -> tessera::Result<()> {
    let tree = zarr::info(path)?;
    println!("{}", path.display());
    print_node(&tree, "", true, true);
    Ok(())
}

fn print_node(n: &NodeInfo, prefix: &str, last: bool, root: bool) {
    let name = if root {
        "/".to_string()
    } else {
        n.path.rsplit('/').next().unwrap_or(&n.path).to_string()
    };
    let branch = if root {
        ""
    } else if last {
        "└── "
    } else {
        "├── "
    };
    match &n.kind {
        NodeKind::Group { attributes } => {
            let attrs = if attributes.is_empty() {
                String::new()
            } else {
                format!(
                    "  attributes {}",
                    serde_json::Value::Object(attributes.clone())
                )
            };
            println!("{prefix}{branch}{name} (group){attrs}");
        }
        NodeKind::Array(a) => {
            println!(
                "{prefix}{branch}{name}  {} {:?}  chunks {:?}  zarr v{}",
                a.data_type, a.shape, a.chunks, a.zarr_format
            );
            let pad = format!("{prefix}{}", if root || last { "    " } else { "│   " });
            println!("{pad}codecs: {}", a.codecs.join(" -> "));
            let ratio = a
                .compression_ratio()
                .map(|r| format!(", compression ratio {r:.2}"))
                .unwrap_or_default();
            println!(
                "{pad}stored chunks {}/{}, {} on disk{ratio}",
                a.stored_chunks,
                a.grid_chunks,
                human_bytes(a.bytes_on_disk)
            );
            if let Some(names) = &a.dimension_names {
                let names: Vec<&str> = names.iter().map(|n| n.as_deref().unwrap_or("-")).collect();
                println!("{pad}dimensions: {}", names.join(", "));
            }
            println!("{pad}fill value: {}", a.fill_value);
            if !a.attributes.is_empty() {
                println!(
                    "{pad}attributes: {}",
                    serde_json::Value::Object(a.attributes.clone())
                );
            }
        }
    }
    let child_prefix = if root {
        prefix.to_string()
    } else {
        format!("{prefix}{}", if last { "    " } else { "│   " })
    };
    for (i, c) in n.children.iter().enumerate() {
        print_node(c, &child_prefix, i + 1 == n.children.len(), false);
    }
}

/// `1.23 GB` style sizes (decimal units).
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.2} {}", units[u])
    }
}
