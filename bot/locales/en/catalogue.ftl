## catalogue and model card
catalogue = 🔮 <b>Choose a model</b> (the price of one prediction, in credits):
catalogue_empty = No models are available right now. Please try later.
model_unavailable = ⚠️ This model is not available right now. Choose another one.
model_changed = ⚠️ This model has just been updated, so nothing was charged. Please open it again and enter the values again.
card_right = On cases it had not seen while learning, it is right about { $right } { $right ->
        [one] time
       *[other] times
    } in 100.
card_within = On cases it had not seen while learning, it is usually within ±{ $error } of the true value.
card_unmeasured = How often it is right has not been measured yet.
model_card =
    <b>{ $title }</b>
    { $description }

    🎯 { $quality }
    💳 Price: <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        } per prediction · your balance: <b>{ $balance }</b>

    <b>What to enter ({ $count })</b>
    { $inputs }

    Example, all at once (you can paste it):
    <code>{ $example }</code>
card_medical = ⚕️ <i>This is not medical advice: the model only repeats what it learned from a research dataset. Talk to a doctor about your health.</i>
card_more_inputs = … and { $count } more
expect_number = a number from { $min } to { $max }
expect_int = a whole number from { $min } to { $max }
expect_category = one of: { $options }
insufficient = ⚠️ Not enough credits: this costs <b>{ $cost }</b>, your balance is <b>{ $balance }</b>. Top up to continue.
