## catalogue and model card
catalogue = 🔮 <b>Choose a model</b> (cost in credits per prediction):
catalogue_empty = No models are available right now. Please try later.
model_unavailable = ⚠️ This model is not available right now. Choose another one.
model_changed = ⚠️ This model has just been updated, so nothing was charged. Please open it again and re-enter the data.
metric_accuracy = accuracy { $value }% on held-out data
metric_r2 = R² { $r2 }, mean error { $mae } on held-out data
model_card =
    <b>{ $title }</b>
    { $description }

    🧠 { $algorithm } · { $metric }
    💳 Cost: <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        } · your balance: <b>{ $balance }</b>

    <b>Inputs ({ $count })</b>
    { $inputs }

    Example, all at once:
    <code>{ $example }</code>
card_more_inputs = … and { $count } more
expect_number = a number from { $min } to { $max }
expect_int = a whole number from { $min } to { $max }
expect_category = one of: { $options }
insufficient = ⚠️ Not enough credits: this costs <b>{ $cost }</b>, your balance is <b>{ $balance }</b>. Top up to continue.
