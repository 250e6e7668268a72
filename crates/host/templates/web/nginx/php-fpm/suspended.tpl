# hearth web template nginx/php-fpm/suspended (HTTP): %domain% is suspended; every path
# answers the suspension page of %docroot%.
server {
    listen      %ip%:%web_port%;
    server_name %domain_idn% %alias_idn%;
    root        %docroot%;
    index       index.html;

    access_log  %log_dir%/%domain%.log combined;
    access_log  %log_dir%/%domain%.bytes bytes;
    error_log   %log_dir%/%domain%.error.log error;

    location / {
        try_files $uri /index.html;
    }

    location ~ /\.(?!well-known/) {
        return 404;
    }
}
