//! Describing a store: its tree of groups and arrays, with what `tessera info` prints.

use super::store::{is_temporary, Durability, LocalStore};
use super::{dtype_of, store_error};
use crate::dtype::DType;
use crate::error::Result;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use zarrs::array::Array as ZArray;
use zarrs::metadata::{ArrayMetadata, NodeMetadata};
use zarrs::node::Node;
use zarrs::storage::{ListableStorageTraits, ReadableStorageTraits, StorePrefix};

/// A group or array in a store, with its children.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    /// Path inside the store (`/` for the root).
    pub path: String,
    /// Group or array, with details.
    pub kind: NodeKind,
    /// Groups and arrays below a group.
    pub children: Vec<NodeInfo>,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A group and its attributes.
    Group {
        /// User attributes.
        attributes: serde_json::Map<String, Value>,
    },
    /// An array.
    Array(Box<ArrayInfo>),
}

/// The metadata and storage statistics of one array.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayInfo {
    /// 2 or 3.
    pub zarr_format: u8,
    /// Shape.
    pub shape: Vec<u64>,
    /// The Zarr data type name.
    pub data_type: String,
    /// The tessera element type, when supported.
    pub dtype: Option<DType>,
    /// Storage chunk (or shard) shape.
    pub chunks: Vec<u64>,
    /// The codec pipeline, e.g. `["bytes", "blosc(lz4, shuffle)"]`.
    pub codecs: Vec<String>,
    /// The fill value as JSON.
    pub fill_value: Value,
    /// Dimension names, if stored.
    pub dimension_names: Option<Vec<Option<String>>>,
    /// User attributes.
    pub attributes: serde_json::Map<String, Value>,
    /// Chunk (or shard) files present.
    pub stored_chunks: u64,
    /// Chunks in the grid (saturating at `u64::MAX`).
    pub grid_chunks: u64,
    /// Bytes of the stored chunk files.
    pub bytes_on_disk: u64,
}

impl ArrayInfo {
    /// Bytes of the array's values uncompressed (`None` for unsupported types, or more than
    /// a `u64` counts).
    pub fn nbytes(&self) -> Option<u64> {
        let n = self
            .shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
        n.checked_mul(self.dtype?.size() as u64)
    }

    /// Uncompressed bytes of the stored chunks divided by their bytes on disk.
    pub fn compression_ratio(&self) -> Option<f64> {
        let per_chunk =
            self.dtype?.size() as f64 * self.chunks.iter().map(|&c| c as f64).product::<f64>();
        (self.bytes_on_disk > 0)
            .then(|| per_chunk * self.stored_chunks as f64 / self.bytes_on_disk as f64)
    }
}

/// Describes the store in directory `path`: the root group or array and everything below.
pub fn info(path: impl AsRef<Path>) -> Result<NodeInfo> {
    let path = path.as_ref();
    let store = path.display().to_string();
    if !path.is_dir() {
        return Err(store_error(&store, "/", None, "no such directory"));
    }
    let storage = LocalStore::new(path, Durability::AtEnd);
    let node = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Node::open(&storage, "/")))
        .map_err(|_| store_error(&store, "/", None, "metadata could not be parsed"))?
        .map_err(|e| store_error(&store, "/", None, e))?;
    describe(&storage, &store, &node)
}

fn describe(storage: &Arc<LocalStore>, store: &str, node: &Node) -> Result<NodeInfo> {
    let path = node.path().as_str().to_string();
    let kind = match node.metadata() {
        NodeMetadata::Group(g) => NodeKind::Group {
            attributes: group_attributes(g),
        },
        NodeMetadata::Array(meta) => {
            let readable: Arc<dyn ReadableStorageTraits> = storage.clone();
            let array = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ZArray::open(readable, &path)
            }))
            .map_err(|_| store_error(store, &path, None, "metadata could not be parsed"))?
            .map_err(|e| store_error(store, &path, None, e))?;
            NodeKind::Array(Box::new(array_info(storage, store, &path, &array, meta)?))
        }
    };
    let children = node
        .children()
        .iter()
        .map(|c| describe(storage, store, c))
        .collect::<Result<Vec<_>>>()?;
    Ok(NodeInfo {
        path,
        kind,
        children,
    })
}

fn group_attributes(g: &zarrs::metadata::GroupMetadata) -> serde_json::Map<String, Value> {
    match g {
        zarrs::metadata::GroupMetadata::V3(m) => m.attributes.clone(),
        zarrs::metadata::GroupMetadata::V2(m) => m.attributes.clone(),
    }
}

fn array_info(
    storage: &Arc<LocalStore>,
    store: &str,
    path: &str,
    array: &ZArray<dyn ReadableStorageTraits>,
    meta: &ArrayMetadata,
) -> Result<ArrayInfo> {
    let json = serde_json::to_value(meta).unwrap_or(Value::Null);
    let (zarr_format, codecs) = match meta {
        ArrayMetadata::V3(_) => (3, v3_codecs(json.get("codecs"))),
        ArrayMetadata::V2(_) => (2, v2_codecs(&json)),
    };
    let prefix_str = if path == "/" {
        String::new()
    } else {
        format!("{}/", path.trim_start_matches('/'))
    };
    let prefix =
        StorePrefix::new(prefix_str.clone()).map_err(|e| store_error(store, path, None, e))?;
    let mut stored_chunks = 0;
    let mut bytes_on_disk = 0;
    for key in storage
        .list_prefix(&prefix)
        .map_err(|e| store_error(store, path, None, e))?
    {
        let rel = &key.as_str()[prefix_str.len()..];
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if matches!(
            name,
            "zarr.json" | ".zarray" | ".zattrs" | ".zgroup" | ".zmetadata"
        ) || is_temporary(name)
        {
            continue;
        }
        stored_chunks += 1;
        bytes_on_disk += storage
            .size_key(&key)
            .map_err(|e| store_error(store, path, None, e))?
            .unwrap_or(0);
    }
    let zeros = vec![0u64; array.dimensionality()];
    let chunks = array
        .chunk_shape(&zeros)
        .map(|c| c.iter().map(|v| v.get()).collect())
        .unwrap_or_default();
    Ok(ArrayInfo {
        zarr_format,
        shape: array.shape().to_vec(),
        data_type: array
            .data_type()
            .to_string()
            .split(" / ")
            .next()
            .unwrap_or_default()
            .to_string(),
        dtype: dtype_of(array.data_type()),
        chunks,
        codecs,
        fill_value: json.get("fill_value").cloned().unwrap_or(Value::Null),
        dimension_names: array.dimension_names().clone(),
        attributes: array.attributes().clone(),
        stored_chunks,
        grid_chunks: array
            .chunk_grid_shape()
            .iter()
            .fold(1u64, |acc, &c| acc.saturating_mul(c)),
        bytes_on_disk,
    })
}

/// `name(key settings)` of one v3 codec, recursing into sharding.
fn v3_codecs(codecs: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(list)) = codecs else {
        return Vec::new();
    };
    list.iter()
        .map(|c| {
            // A codec without configuration may be stored as a bare name.
            if let Value::String(name) = c {
                return name.clone();
            }
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            let conf = c.get("configuration");
            match name {
                "sharding_indexed" => {
                    let inner = v3_codecs(conf.and_then(|c| c.get("codecs"))).join(", ");
                    let shape = conf
                        .and_then(|c| c.get("chunk_shape"))
                        .map(|v| v.to_string());
                    format!("sharding(chunks {}: {inner})", shape.unwrap_or_default())
                }
                "blosc" => format!(
                    "blosc({}, {}, level {})",
                    field(conf, "cname"),
                    field(conf, "shuffle"),
                    field(conf, "clevel")
                ),
                "zstd" | "gzip" => format!("{name}(level {})", field(conf, "level")),
                other => other.to_string(),
            }
        })
        .collect()
}

fn v2_codecs(json: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Array(filters)) = json.get("filters") {
        for f in filters {
            out.push(field(Some(f), "id"));
        }
    }
    match json.get("compressor") {
        Some(c @ Value::Object(_)) => {
            let id = field(Some(c), "id");
            if id == "blosc" {
                out.push(format!(
                    "blosc({}, shuffle {}, level {})",
                    field(Some(c), "cname"),
                    field(Some(c), "shuffle"),
                    field(Some(c), "clevel")
                ));
            } else {
                out.push(format!("{id}(level {})", field(Some(c), "level")));
            }
        }
        _ => out.push("uncompressed".into()),
    }
    out
}

fn field(v: Option<&Value>, key: &str) -> String {
    match v.and_then(|v| v.get(key)) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "?".into(),
    }
}
