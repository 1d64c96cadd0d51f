//! [`AnyArray`]: an array whose element type is known only at run time (for example one
//! opened from a Zarr store of unknown dtype).

use super::Array;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::expr::{Node, Op, UnaryOp};
use std::sync::Arc;

macro_rules! any_array {
    ($($var:ident($t:ty)),* $(,)?) => {
        /// A lazy array of any element type.
        ///
        /// ```
        /// use tessera::{AnyArray, Array, DType};
        /// let a = AnyArray::from(Array::<i32>::arange(0, 6, 1, 4).unwrap());
        /// assert_eq!(a.dtype(), DType::I32);
        /// assert_eq!(a.astype::<f64>().sum(..).unwrap().compute_scalar().unwrap(), 15.0);
        /// assert!(a.clone().downcast::<f32>().is_err());
        /// assert!(a.downcast::<i32>().is_ok());
        /// ```
        #[derive(Debug, Clone)]
        pub enum AnyArray {
            $(
                #[doc = concat!("An array of `", stringify!($t), "`.")]
                $var(Array<$t>),
            )*
        }

        impl AnyArray {
            pub(crate) fn from_node(node: Arc<Node>) -> AnyArray {
                match node.dtype {
                    $(DType::$var => AnyArray::$var(Array::wrap(node)),)*
                }
            }

            /// The same values with a different chunking (see [`Array::rechunk`]).
            pub fn rechunk(&self, chunks: impl Into<crate::chunks::ChunkSpec>) -> Result<AnyArray> {
                match self {
                    $(AnyArray::$var(a) => a.rechunk(chunks).map(AnyArray::$var),)*
                }
            }

            pub(crate) fn node(&self) -> &Arc<Node> {
                match self {
                    $(AnyArray::$var(a) => &a.node,)*
                }
            }
        }

        $(
            impl From<Array<$t>> for AnyArray {
                fn from(a: Array<$t>) -> AnyArray {
                    AnyArray::$var(a)
                }
            }
        )*
    };
}

any_array!(
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
);

impl AnyArray {
    /// The plan a computation with `opts` would run, as [`Array::explain_with`] gives it.
    ///
    /// ```
    /// use tessera::{AnyArray, Array, ComputeOptions};
    /// let a = AnyArray::from(Array::<i32>::arange(0, 6, 1, 4).unwrap());
    /// assert!(a.explain_with(&ComputeOptions::new()).contains("stage 0"));
    /// ```
    pub fn explain_with(&self, opts: &crate::ComputeOptions) -> String {
        crate::plan::Plan::build_for(std::slice::from_ref(self.node()), opts.limit()).explain()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.node().dtype
    }

    /// The metadata of the store the array was opened from (see [`Array::store_metadata`]).
    pub fn store_metadata(&self) -> Option<Arc<crate::zarr::StoreMetadata>> {
        crate::zarr::StoreMetadata::of_node(self.node())
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.node().shape
    }

    /// The chunk grid.
    pub fn chunks(&self) -> &crate::chunks::ChunkGrid {
        &self.node().grid
    }

    /// The array converted to `U` (NumPy's `astype`; free when it already is `U`).
    pub fn astype<U: Element>(&self) -> Array<U> {
        let node = self.node();
        if node.dtype == U::DTYPE {
            return Array::wrap(node.clone());
        }
        Array::wrap(Node::new(
            U::DTYPE,
            node.shape.clone(),
            node.grid.clone(),
            Op::Unary(UnaryOp::Cast(U::DTYPE), node.clone()),
        ))
    }

    /// The typed array, or an error naming both types when the element type is not `T`.
    pub fn downcast<T: Element>(self) -> Result<Array<T>> {
        if self.dtype() == T::DTYPE {
            Ok(Array::wrap(self.node().clone()))
        } else {
            Err(Error::DType {
                op: format!("downcast to {}", T::DTYPE),
                dtype: self.dtype(),
            })
        }
    }
}
