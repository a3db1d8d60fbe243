## step-by-step input
step =
    <b>{ $i }/{ $n }. { $label }</b>
    { $description }
    Expected: { $expected }
    Example: <code>{ $example }</code>
step_choice =
    <b>{ $i }/{ $n }. { $label }</b>
    { $description }
    Choose one of the buttons below, or type it.
step_paste_hint =
    💡 You can also paste all { $count } { $count ->
            [one] value
           *[other] values
        } in one message.
step_stale = This button belongs to an earlier question; nothing was filled in.
need_value = Please send the value as a text message.
err_in_not_a_number = ⚠️ <b>{ $feature }</b>: “{ $got }” is not a number. Expected { $expected }.
err_in_not_finite = ⚠️ <b>{ $feature }</b>: “{ $got }” is not an ordinary number. Expected { $expected }.
err_in_out_of_range = ⚠️ <b>{ $feature }</b>: { $value } is outside the allowed range. Expected { $expected }.
err_in_not_integer = ⚠️ <b>{ $feature }</b>: { $value } is not a whole number. Expected { $expected }.
err_in_unknown_category = ⚠️ <b>{ $feature }</b>: there is no option “{ $got }”. Expected { $expected }.
err_in_empty = ⚠️ <b>{ $feature }</b>: no value given. Expected { $expected }.
err_in_empty_all =
    ⚠️ No values given: send { $count } { $count ->
            [one] value
           *[other] values
        }.
err_in_wrong_count =
    ⚠️ Expected <b>{ $count }</b> { $count ->
            [one] value
           *[other] values
        }, got <b>{ $got }</b>. Separate values with commas, spaces or semicolons (with decimal commas, use spaces or semicolons).
err_in_unknown_feature = ⚠️ Unknown input “{ $feature }”. Inputs: { $allowed }.
err_in_duplicate_feature = ⚠️ <b>{ $feature }</b> is given twice.
err_in_missing_features = ⚠️ Missing inputs: { $missing }.
err_in_bad_pairs = ⚠️ Write every value as <code>name=value</code>, or give plain values in order.
err_in_too_long =
    ⚠️ The message is too long ({ $max } { $max ->
            [one] character
           *[other] characters
        } at most).
