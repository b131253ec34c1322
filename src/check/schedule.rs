//! A learning-rate schedule written where an optimizer's `lr` goes, as Keras takes one:
//! `adam(lr = inverse_time_decay(0.001, decay_steps = 20000, decay_rate = 1))`.

use super::bind::{bind_call, named, positional, Param, Signature};
use super::value::{Env, Got, Reader};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::Schedule;
use crate::suggest;
use crate::syntax::ast::{Call, Value, ValueKind};

/// Keras's `InverseTimeDecay` and `ExponentialDecay` take the same arguments.
const DECAY: &[Param] = &[
    positional("initial_learning_rate").required(),
    positional("decay_steps").required(),
    positional("decay_rate").required(),
    named("staircase"),
];
pub(super) const INVERSE_TIME_DECAY: Signature = Signature {
    what: "schedule `inverse_time_decay`",
    noun: "parameter",
    params: DECAY,
};
pub(super) const EXPONENTIAL_DECAY: Signature = Signature {
    what: "schedule `exponential_decay`",
    noun: "parameter",
    params: DECAY,
};
pub(super) const PIECEWISE_CONSTANT_DECAY: Signature = Signature {
    what: "schedule `piecewise_constant_decay`",
    noun: "parameter",
    params: &[
        positional("boundaries").required(),
        positional("values").required(),
    ],
};
pub(super) const COSINE_DECAY: Signature = Signature {
    what: "schedule `cosine_decay`",
    noun: "parameter",
    params: &[
        positional("initial_learning_rate").required(),
        positional("decay_steps").required(),
        named("alpha"),
    ],
};

/// The schedules, as Keras's `keras.optimizers.schedules` name them in snake case.
pub const SCHEDULES: [&str; 4] = [
    "inverse_time_decay",
    "exponential_decay",
    "piecewise_constant_decay",
    "cosine_decay",
];

/// Reads the schedule `call`: the rate of step 0 (the optimizer's `lr`) and the schedule.
/// `None` after an error (reported).
pub fn read(call: &Call, reader: &mut Reader) -> Option<(f64, Schedule)> {
    let name = call.callee.text.as_str();
    let signature = match name {
        "inverse_time_decay" => INVERSE_TIME_DECAY,
        "exponential_decay" => EXPONENTIAL_DECAY,
        "piecewise_constant_decay" => PIECEWISE_CONSTANT_DECAY,
        "cosine_decay" => COSINE_DECAY,
        other => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::UnknownName,
                    call.callee.span,
                    format!("unknown learning-rate schedule `{other}`"),
                )
                .with_label("not a schedule")
                .with_help(suggest::help(other, SCHEDULES)),
            );
            return None;
        }
    };
    let args = bind_call(call, signature, reader.diagnostics);
    if name == "piecewise_constant_decay" {
        return piecewise(reader, args.get("boundaries")?, args.get("values")?);
    }
    let initial = number(
        reader,
        args.get("initial_learning_rate")?,
        "initial_learning_rate",
        |x| x > 0.0,
        "above 0",
    );
    let decay_steps = steps(reader, args.get("decay_steps")?);
    // Keras's `CosineDecay` has no `staircase`.
    let staircase = match (name != "cosine_decay")
        .then(|| args.get("staircase"))
        .flatten()
    {
        Some(v) => known(reader.bool(v, &Env::default())),
        None => Some(false),
    };
    let schedule = match name {
        "inverse_time_decay" => Schedule::InverseTimeDecay {
            decay_steps: decay_steps?,
            decay_rate: number(
                reader,
                args.get("decay_rate")?,
                "decay_rate",
                |x| x >= 0.0,
                "at least 0",
            )?,
            staircase: staircase?,
        },
        "exponential_decay" => Schedule::ExponentialDecay {
            decay_steps: decay_steps?,
            decay_rate: number(
                reader,
                args.get("decay_rate")?,
                "decay_rate",
                |x| x > 0.0,
                "above 0",
            )?,
            staircase: staircase?,
        },
        _ => Schedule::CosineDecay {
            decay_steps: decay_steps?,
            alpha: match args.get("alpha") {
                Some(v) => number(
                    reader,
                    v,
                    "alpha",
                    |x| (0.0..=1.0).contains(&x),
                    "from 0 to 1",
                )?,
                None => 0.0,
            },
        },
    };
    Some((initial?, schedule))
}

pub(super) fn known<T>(got: Got<T>) -> Option<T> {
    match got {
        Got::Known(v, _) => Some(v),
        _ => None,
    }
}

/// The number `name` that must satisfy `ok` (`rule` says how, in words).
fn number(
    reader: &mut Reader,
    value: &Value,
    name: &str,
    ok: fn(f64) -> bool,
    rule: &str,
) -> Option<f64> {
    let got = reader.float(value, &Env::default());
    reader
        .require(
            got,
            ok,
            |x| format!("`{name}` is {x:?}, but must be {rule}"),
            "as Keras's schedules take it",
        )
        .then_some(())
        .and(known(got))
}

/// A step count, at least 1.
fn steps(reader: &mut Reader, value: &Value) -> Option<u64> {
    let got = reader.int(value, &Env::default());
    reader
        .require(
            got,
            |n| n >= 1,
            |n| format!("`decay_steps` is {n}, but must be at least 1"),
            "the optimizer steps (batches) over which the rate decays",
        )
        .then_some(())
        .and(known(got))
        .map(|n| n as u64)
}

/// `piecewise_constant_decay(boundaries, values)`: increasing step counts, and one more
/// rate than boundaries.
fn piecewise(reader: &mut Reader, boundaries: &Value, values: &Value) -> Option<(f64, Schedule)> {
    let list = |reader: &mut Reader, value: &Value, what: &str| -> Option<Vec<Value>> {
        match &value.kind {
            ValueKind::List(items) if !items.is_empty() => Some(items.clone()),
            _ => {
                reader.mismatch(value, &format!("a non-empty list of {what}"));
                None
            }
        }
    };
    let bounds = list(reader, boundaries, "step counts")?;
    let rates = list(reader, values, "learning rates")?;
    let bounds: Vec<u64> = bounds
        .iter()
        .map(|b| {
            known(reader.int(b, &Env::default()))
                .filter(|&n| n >= 0)
                .map(|n| n as u64)
        })
        .collect::<Option<_>>()?;
    let rates: Vec<f64> = rates
        .iter()
        .map(|v| number(reader, v, "values", |x| x > 0.0, "above 0"))
        .collect::<Option<_>>()?;
    if rates.len() != bounds.len() + 1 || bounds.windows(2).any(|w| w[0] >= w[1]) {
        reader.diagnostics.push(
            Diagnostic::error(
                Code::OutOfRange,
                values.span,
                format!(
                    "{} boundaries need {} values, in increasing order of the boundaries; got {}",
                    bounds.len(),
                    bounds.len() + 1,
                    rates.len()
                ),
            )
            .with_label("does not fit the boundaries")
            .with_help(
                "`values[0]` is the rate up to `boundaries[0]`, and one more value follows the last boundary",
            ),
        );
        return None;
    }
    Some((
        rates[0],
        Schedule::PiecewiseConstantDecay {
            boundaries: bounds,
            values: rates,
        },
    ))
}
