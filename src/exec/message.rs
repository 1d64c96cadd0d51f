//! The messages ranks exchange during a distributed computation, and their byte form.
//!
//! Every message starts with its kind and the computation's number (its *epoch*: each
//! computation on a set of ranks gets the next one on every rank), so that a message of the
//! next computation that arrives before this one has ended on this rank waits for it.

use crate::error::{Error, Result};
use crate::plan::ops::TreeBox;
use crate::task::wire::Wire;

const HELLO: u8 = 1;
const CHUNK: u8 = 2;
const PART: u8 = 3;
const FAILED: u8 = 4;
const DONE: u8 = 5;

/// One message, its body (a payload) still in byte form.
#[derive(Debug)]
pub(super) enum Message<'a> {
    /// A rank has built its scheduler: the plan's fingerprint.
    Hello { fingerprint: u64 },
    /// A stored or output chunk.
    Chunk {
        stage: usize,
        lin: usize,
        body: &'a [u8],
    },
    /// The partial of a node of a reduction tree, for the rank of its parent node.
    Part {
        stage: usize,
        lin: usize,
        bx: TreeBox,
        body: &'a [u8],
    },
    /// A task failed on the sending rank: its label (for task errors) and message.
    Failed { task: Option<String>, msg: String },
    /// The sender's tasks have all ended, after sending `sent` messages to this rank.
    Done { sent: u64, failed: bool },
}

/// A message's header: its kind and epoch.
pub(super) fn header(kind_of: &Message<'_>, epoch: u64) -> Vec<u8> {
    let kind = match kind_of {
        Message::Hello { .. } => HELLO,
        Message::Chunk { .. } => CHUNK,
        Message::Part { .. } => PART,
        Message::Failed { .. } => FAILED,
        Message::Done { .. } => DONE,
    };
    let mut out = vec![kind];
    epoch.put(&mut out);
    out
}

/// The byte form of `m` (whose body, if any, is appended by the caller for chunks and
/// partials: `m`'s own body is ignored).
pub(super) fn encode_head(m: &Message<'_>, epoch: u64) -> Vec<u8> {
    let mut out = header(m, epoch);
    match m {
        Message::Hello { fingerprint } => fingerprint.put(&mut out),
        Message::Chunk { stage, lin, .. } => {
            stage.put(&mut out);
            lin.put(&mut out);
        }
        Message::Part { stage, lin, bx, .. } => {
            stage.put(&mut out);
            lin.put(&mut out);
            bx.put(&mut out);
        }
        Message::Failed { task, msg } => {
            task.as_ref().map(|t| t.as_bytes().to_vec()).put(&mut out);
            msg.as_bytes().to_vec().put(&mut out);
        }
        Message::Done { sent, failed } => {
            sent.put(&mut out);
            failed.put(&mut out);
        }
    }
    out
}

/// The epoch of a message in byte form.
pub(super) fn epoch_of(bytes: &[u8]) -> Result<u64> {
    let mut inp = bytes.get(1..).unwrap_or(&[]);
    u64::take(&mut inp).ok_or_else(malformed)
}

fn malformed() -> Error {
    Error::internal(
        "distributed computation",
        "a malformed message was received",
    )
}

fn text(inp: &mut &[u8]) -> Option<String> {
    String::from_utf8(Vec::<u8>::take(inp)?).ok()
}

/// Reads a message.
pub(super) fn decode(bytes: &[u8]) -> Result<Message<'_>> {
    let mut inp = bytes;
    let kind = u8::take(&mut inp).ok_or_else(malformed)?;
    u64::take(&mut inp).ok_or_else(malformed)?;
    let m = (|| {
        Some(match kind {
            HELLO => Message::Hello {
                fingerprint: u64::take(&mut inp)?,
            },
            CHUNK => Message::Chunk {
                stage: usize::take(&mut inp)?,
                lin: usize::take(&mut inp)?,
                body: std::mem::take(&mut inp),
            },
            PART => Message::Part {
                stage: usize::take(&mut inp)?,
                lin: usize::take(&mut inp)?,
                bx: Vec::<(usize, usize)>::take(&mut inp)?,
                body: std::mem::take(&mut inp),
            },
            FAILED => {
                let task = match <Option<Vec<u8>> as Wire>::take(&mut inp)? {
                    Some(t) => Some(String::from_utf8(t).ok()?),
                    None => None,
                };
                Message::Failed {
                    task,
                    msg: text(&mut inp)?,
                }
            }
            DONE => Message::Done {
                sent: u64::take(&mut inp)?,
                failed: bool::take(&mut inp)?,
            },
            _ => return None,
        })
    })();
    m.ok_or_else(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let mut b = encode_head(
            &Message::Part {
                stage: 3,
                lin: 7,
                bx: vec![(0, 8), (2, 1)],
                body: &[],
            },
            42,
        );
        b.extend_from_slice(&[9, 8, 7]);
        assert_eq!(epoch_of(&b).unwrap(), 42);
        match decode(&b).unwrap() {
            Message::Part {
                stage,
                lin,
                bx,
                body,
            } => assert_eq!(
                (stage, lin, bx, body),
                (3, 7, vec![(0, 8), (2, 1)], &[9u8, 8, 7][..])
            ),
            other => panic!("{other:?}"),
        }
        let b = encode_head(
            &Message::Failed {
                task: Some("stage 0 chunk 2".into()),
                msg: "boom".into(),
            },
            1,
        );
        assert!(
            matches!(decode(&b).unwrap(), Message::Failed { task: Some(t), msg } if t == "stage 0 chunk 2" && msg == "boom")
        );
        let b = encode_head(
            &Message::Done {
                sent: 5,
                failed: true,
            },
            2,
        );
        assert!(matches!(
            decode(&b).unwrap(),
            Message::Done {
                sent: 5,
                failed: true
            }
        ));
        assert!(decode(&[77, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[]).is_err());
    }
}
