//! The lot form and lot removal on the Tickers pane: a lot typed in (shares, price, date, fees),
//! checked as the config's and the CLI's are, and written to the journal like any decision (the
//! CLI and a second window see it; `u` undoes it); the selected ticker's newest lot added in the
//! app removed the same way.

use super::{Level, decide, notify};
use crate::core::action::Pane;
use crate::core::effect::Effect;
use crate::core::journal::What;
use crate::core::portfolio::Lot;
use crate::core::state::{LotDraft, State};
use tui_input::{Input, InputRequest};

/// Longest text a field holds (a number or a date is far shorter).
pub(super) const FIELD_MAX: usize = 24;

/// `+` on a ticker: the form, dated today, fees blank (none).
pub(super) fn start(state: &mut State) {
    if state.focus != Pane::Tickers {
        let key = state.keymap.hint(crate::core::keys::Command::PaneTickers);
        return notify(state, Level::Info, format!("lots go on tickers: press {key} to go there"), false);
    }
    let Some(t) = state.tickers.get(state.selected(Pane::Tickers)) else { return };
    let currency = state.quotes.get(&t.symbol).map_or_else(|| t.currency.clone(), |q| q.currency.clone());
    let today = state.local(state.now).date_naive().format("%Y-%m-%d").to_string();
    state.lot = Some(LotDraft {
        symbol: t.symbol.clone(),
        currency,
        fields: [Input::default(), Input::default(), Input::new(today), Input::default()],
        field: 0,
        error: None,
    });
}

pub(super) fn edit(state: &mut State, req: InputRequest) {
    let Some(draft) = &mut state.lot else { return };
    if let InputRequest::InsertChar(c) = req
        && (!crate::core::sanitize::is_safe_char(c)
            || draft.fields[draft.field].value().chars().count() >= FIELD_MAX)
    {
        return;
    }
    draft.fields[draft.field].handle(req);
    draft.error = None;
}

/// Tab / Shift-Tab (or the arrows): the next or previous field, wrapping.
pub(super) fn field(state: &mut State, by: i8) {
    if let Some(draft) = &mut state.lot {
        draft.field = (draft.field as i64 + i64::from(by)).rem_euclid(LotDraft::LABELS.len() as i64) as usize;
    }
}

/// Enter: the lot written if every field reads and the lot is sound; else the form stays open
/// at the field to fix, saying why.
pub(super) fn accept(state: &mut State, fx: &mut Vec<Effect>) {
    let today = state.local(state.now).date_naive();
    let Some(draft) = &mut state.lot else { return };
    let number = |i: usize| -> Result<f64, (usize, String)> {
        let text = draft.fields[i].value().trim().replace(['_', ' '], "");
        // A decimal comma (`6,10`) as typed in Sweden.
        let text = if text.contains('.') { text.replace(',', "") } else { text.replace(',', ".") };
        text.parse::<f64>().map_err(|_| (i, format!("{} must be a number", LotDraft::LABELS[i])))
    };
    let parsed = (|| {
        let shares = number(0)?;
        let price = number(1)?;
        let date = chrono::NaiveDate::parse_from_str(draft.fields[2].value().trim(), "%Y-%m-%d")
            .map_err(|_| (2, "date must be YYYY-MM-DD".to_string()))?;
        let fees = if draft.fields[3].value().trim().is_empty() { 0.0 } else { number(3)? };
        let lot = Lot { symbol: draft.symbol.clone(), shares, price, date, fees };
        match lot.problem(today) {
            Some(p) => {
                let at = LotDraft::LABELS.iter().position(|l| p.starts_with(l)).unwrap_or(2);
                Err((at, p))
            }
            None => Ok(lot),
        }
    })();
    match parsed {
        Err((at, why)) => {
            draft.field = at;
            draft.error = Some(why);
        }
        Ok(lot) => {
            let currency = draft.currency.clone();
            state.lot = None;
            let symbol = lot.symbol.clone();
            let label =
                format!("lot added: {} {} at {} {currency} (u undoes)", symbol, lot.shares, lot.price);
            decide(state, fx, What::Lot(lot), None, label, (Pane::Tickers, symbol, "lot of"));
        }
    }
}

/// `-` on a ticker: its newest lot added in the app or by a script no longer held (undoable);
/// the config's lots are edited in the config.
pub(super) fn remove(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus != Pane::Tickers {
        let key = state.keymap.hint(crate::core::keys::Command::PaneTickers);
        return notify(state, Level::Info, format!("lots go on tickers: press {key} to go there"), false);
    }
    let Some(symbol) = state.tickers.get(state.selected(Pane::Tickers)).map(|t| t.symbol.clone()) else {
        return;
    };
    let Some(held) = state.user.lots.iter().rev().find(|l| l.lot.symbol == symbol).cloned() else {
        let in_config = state.config_lots.iter().any(|l| l.symbol == symbol);
        let text = if in_config {
            format!("{symbol}'s lots are in the config's [[positions]]: edit them there")
        } else {
            format!("no lot of {symbol} to remove")
        };
        return notify(state, Level::Info, text, false);
    };
    let l = &held.lot;
    let label = format!("lot removed: {symbol} {} at {} on {} (u undoes)", l.shares, l.price, l.date);
    decide(
        state,
        fx,
        What::LotRemove { lot: held.id },
        None,
        label,
        (Pane::Tickers, symbol, "lot removal of"),
    );
}
