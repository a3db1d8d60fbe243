## charts with results, "Why?" explanations, the /stats chart (issue 17)

## /settings
settings_pictures = 📊 Charts with results: <b>{ $on }</b>
    A chart comes with each result, with the result itself in its caption.
settings_pictures_on = on
settings_pictures_off = off
btn_pictures_off = 📊 Turn charts off
btn_pictures_on = 📊 Turn charts on
pictures_turned_on = 📊 Charts on
pictures_turned_off = 📊 Charts off
